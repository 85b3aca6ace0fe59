using PcpTestbed.Designs;

namespace PcpTestbed.Coyote.Dfs;

/// <summary>What to explore exhaustively and how (explore --exhaustive).</summary>
public sealed record ExhaustiveOptions
{
    public const int DefaultPreemptionBound = 2;

    /// <summary>A scenario name from <see cref="Catalog.Scenarios"/>.</summary>
    public required string Scenario { get; init; }

    public required DesignKind Design { get; init; }

    /// <summary>Injected bugs to switch on; none by default.</summary>
    public InjectedBug Bugs { get; init; } = InjectedBug.None;

    /// <summary>Preemptions a schedule may have (CHESS's context bound).</summary>
    public int PreemptionBound { get; init; } = DefaultPreemptionBound;

    /// <summary>Partial-order reduction (bounded DPOR). Off runs every schedule within the bound; off as well under <see cref="Elision"/>.</summary>
    public bool Reduction { get; init; } = true;

    /// <summary>Stop after this long, with the verdict <see cref="ExhaustiveVerdict.Incomplete"/>; null for no limit.</summary>
    public TimeSpan? TimeBudget { get; init; }

    /// <summary>Scheduling steps one schedule may take before it counts as never completing.</summary>
    public int MaxSteps { get; init; } = 20_000;

    /// <summary>Called now and then during the search, and once at the end.</summary>
    public Action<ExhaustiveProgress>? Progress { get; init; }

    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Where the trace file of a bug goes; a folder under the temp directory when null.</summary>
    public string? TraceDirectory { get; init; }

    /// <summary>A lock-elision run (<see cref="LockElision"/>); null for none. The reduction is off then: see <see cref="Reduction"/>.</summary>
    public LockElision? Elision { get; init; }

    /// <summary>How many spins a waiting CPU thread makes before it blocks (the baton's spin-then-block).</summary>
    public int SpinCount { get; init; } = DfsController.DefaultSpinCount;

    /// <summary>Lockdep's lock-order checks; off only for the engine's own test of deadlock detection.</summary>
    internal bool CheckLockOrder { get; init; } = true;

    /// <summary>Called after every schedule with what ran (the engine's own tests list the schedules with it).</summary>
    internal Action<IReadOnlyList<ScheduleStep>, IReadOnlyList<TraceStep>>? OnSchedule { get; init; }
}
