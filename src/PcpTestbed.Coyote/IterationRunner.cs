using PcpTestbed.Designs;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote;

/// <summary>
/// One iteration of a scenario, under a controller (<see cref="IIterationController"/>): Coyote's test body, or one
/// schedule of our own scheduler. Setup runs alone on the calling thread; then the controller runs one thread per CPU
/// script until all have ended, and the auditor and the scenario check the end state. What lives across iterations:
/// the lock-order graph (lockdep's, for the whole exploration) and coverage.
/// </summary>
internal sealed class IterationRunner
{
    private readonly Scenario _scenario;
    private readonly DesignKind _design;
    private readonly InjectedBug _bugs;
    private readonly ScenarioConfig _config;
    private readonly LockElision? _elision;
    private readonly bool _checkOrder;
    private IterationState? _last;
    private int _iteration;

    public IterationRunner(Scenario scenario, DesignKind design, InjectedBug bugs, ScenarioConfig config, LockElision? elision = null, bool checkOrder = true)
    {
        _scenario = scenario;
        _design = design;
        _bugs = bugs;
        _config = config;
        _elision = elision;
        _checkOrder = checkOrder;
    }

    /// <summary>Lockdep's lock-order graph over every iteration so far.</summary>
    public LockOrderGraph Order { get; } = new();

    public CoverageRecorder Coverage { get; } = new();

    /// <summary>See <see cref="IterationState.Deadline"/>: 0 for none.</summary>
    public long Deadline { get; init; }

    /// <summary>The 1-based number of the iteration that ran last.</summary>
    public int Iteration => Volatile.Read(ref _iteration);

    /// <summary>The state of the iteration that ran last: the failing one once the engine stopped on a bug.</summary>
    public IterationState? Last => Volatile.Read(ref _last);

    public void RunIteration(IIterationController controller)
    {
        Order.Iteration = Interlocked.Increment(ref _iteration);
        var state = new IterationState(_config.Cpus, controller, Order, Coverage, _elision, _checkOrder) { Deadline = Deadline, OpStepBudget = _config.OpStepBudget, Interrupts = _config.Interrupts };
        Volatile.Write(ref _last, state);
        var run = new ScenarioRun(_config, _design, _bugs, state);
        var iteration = _scenario.Start(run);
        run.Iteration = iteration;

        iteration.Setup();
        if (_config.Audits)
        {
            run.CheckInvariants("after setup");
        }

        state.SetupSteps = state.StepCount;
        state.Scheduling = true;
        controller.RunScripts(state, iteration.Scripts(), run.RunScript);

        if (_config.Audits)
        {
            run.CheckInvariants("at the end");
        }

        if (iteration.CheckFinal() is { } violation)
        {
            run.Fail($"{violation} (at the end)");
        }

        state.Passed = true;
    }
}
