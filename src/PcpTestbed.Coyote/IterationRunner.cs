using PcpTestbed.Designs;
using CThread = Microsoft.Coyote.Rewriting.Types.Threading.Thread;

namespace PcpTestbed.Coyote;

/// <summary>
/// The Coyote test body: one iteration of a scenario. Setup runs alone on the test body; then one controlled
/// thread per CPU script starts, the body joins them all, and the auditor and the scenario check the end state.
/// </summary>
internal sealed class IterationRunner
{
    private readonly Scenario _scenario;
    private readonly DesignKind _design;
    private readonly InjectedBug _bugs;
    private readonly ScenarioConfig _config;
    private IterationState? _last;

    public IterationRunner(Scenario scenario, DesignKind design, InjectedBug bugs, ScenarioConfig config)
    {
        _scenario = scenario;
        _design = design;
        _bugs = bugs;
        _config = config;
    }

    /// <summary>The state of the iteration that ran last: the failing one once the engine stopped on a bug.</summary>
    public IterationState? Last => Volatile.Read(ref _last);

    public void RunIteration()
    {
        var state = new IterationState(_config.Cpus);
        Volatile.Write(ref _last, state);
        var run = new ScenarioRun(_config, _design, _bugs, state);
        var iteration = _scenario.Start(run);
        run.Iteration = iteration;

        iteration.Setup();
        run.CheckInvariants("after setup");

        state.Scheduling = true;
        var scripts = iteration.Scripts();
        var threads = new System.Threading.Thread[scripts.Count];
        for (var i = 0; i < scripts.Count; i++)
        {
            var script = scripts[i];
            threads[i] = CThread.Create(() => run.RunScript(script));
        }

        foreach (var t in threads)
        {
            CThread.Start(t);
        }

        foreach (var t in threads)
        {
            CThread.Join(t);
        }

        run.CheckInvariants("at the end");
        if (iteration.CheckFinal() is { } violation)
        {
            run.Fail($"{violation} (at the end)");
        }
    }
}
