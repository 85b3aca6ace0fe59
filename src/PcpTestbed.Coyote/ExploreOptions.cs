using PcpTestbed.Designs;

namespace PcpTestbed.Coyote;

/// <summary>What to explore and how (the explore verb's options).</summary>
public sealed record ExploreOptions
{
    /// <summary>A scenario name from <see cref="Catalog.Scenarios"/>.</summary>
    public required string Scenario { get; init; }

    public required DesignKind Design { get; init; }

    /// <summary>Injected bugs to switch on; none by default.</summary>
    public InjectedBug Bugs { get; init; } = InjectedBug.None;

    /// <summary>Iterations to run at most; exploration stops at the first bug (of <see cref="SoughtInvariant"/>'s class when set).</summary>
    public int Iterations { get; init; } = 1000;

    public SchedulingStrategy Strategy { get; init; } = SchedulingStrategy.Portfolio;

    /// <summary>The strategy's bound (PCT priority changes, delay bound, probabilistic level); null for the default.</summary>
    public uint? StrategyBound { get; init; }

    /// <summary>
    /// The random seed. Coyote adds one to it after every iteration, so seeds s and s+1 explore the same
    /// schedules shifted by one iteration: space independent runs far apart.
    /// </summary>
    public uint Seed { get; init; }

    /// <summary>
    /// Scheduling steps an iteration may take under unfair strategies; fair ones get ten times as many.
    /// Reaching the bound fails the iteration (an operation that never completes), so keep it well above
    /// what the scenario needs.
    /// </summary>
    public uint MaxSteps { get; init; } = DefaultMaxSteps;

    public const uint DefaultMaxSteps = 20_000;

    /// <summary>
    /// Stop after this long, inside an iteration too (checked at every operation's start); null for no limit. A run that
    /// stops so claims nothing (<see cref="ExploreResult.OutOfTime"/>) and writes no trace.
    /// </summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>Called now and then during a long run, and once at the end.</summary>
    public Action<ExploreProgress>? Progress { get; init; }

    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Where the trace file of a bug goes; a folder under the temp directory when null.</summary>
    public string? TraceDirectory { get; init; }

    /// <summary>
    /// Coyote's partial-order sampling (<c>WithPartialOrderSamplingEnabled</c>): at each choice, CPUs not at a shared
    /// read or write run first, so racing accesses meet. Off by default; the bug catalogue is measured without it.
    /// </summary>
    public bool PartialOrderSampling { get; init; }

    /// <summary>
    /// The class of violation that ends the exploration (the invariant it names, <see cref="Violations.InvariantOf"/>), or null:
    /// any. An iteration that meets another class in the interleaved part is counted (<see cref="ExploreResult.OtherViolations"/>)
    /// and the next iteration runs: the same engine goes on, so the iterations after it are the ones that would have come next
    /// had it passed. A second engine seeded past it would not run them: Coyote adds one to the seed per iteration, but its
    /// portfolio picks an iteration's strategy by the iteration's index, and PCT and delay bounding place their changes among
    /// as many choice points as the most an earlier iteration met (Coyote 1.7.11's InitializeNextIteration). A violation in
    /// setup (it runs alone, the same in every iteration), one Coyote reports itself (a step bound, a deadlock it detects, an
    /// unhandled exception: its class is known only from its report) or the time limit still end the exploration, as any
    /// violation does without this.
    /// </summary>
    public string? SoughtInvariant { get; init; }

    /// <summary>A lock-elision run (the scenarios' self-check, <see cref="LockElision"/>); null for none.</summary>
    public LockElision? Elision { get; init; }

    /// <summary>Lockdep's lock-order checks; off only for the engine's own test of deadlock detection.</summary>
    internal bool CheckLockOrder { get; init; } = true;
}
