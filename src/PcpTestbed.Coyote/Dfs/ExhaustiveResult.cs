using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote.Dfs;

/// <summary>The outcome of an exhaustive search: the verdict, what it cost, and for a bug its trace.</summary>
public sealed record ExhaustiveResult
{
    public required string Scenario { get; init; }

    public required string Design { get; init; }

    /// <summary>Names of the injected bugs that were on.</summary>
    public required IReadOnlyList<string> Bugs { get; init; }

    public required int PreemptionBound { get; init; }

    /// <summary>Whether partial-order reduction pruned schedules.</summary>
    public required bool Reduction { get; init; }

    public required ExhaustiveVerdict Verdict { get; init; }

    /// <summary>Schedules run (up to and including a failing one).</summary>
    public required long Schedules { get; init; }

    public required TimeSpan Elapsed { get; init; }

    public required double SchedulesPerSecond { get; init; }

    /// <summary>Scheduling steps over every schedule.</summary>
    public required long TotalSteps { get; init; }

    /// <summary>Steps that switched OS threads (a baton hand-over), over every schedule.</summary>
    public required long Switches { get; init; }

    /// <summary>The longest schedule, in steps.</summary>
    public required int MaxScheduleSteps { get; init; }

    /// <summary>The time budget, or null for none.</summary>
    public TimeSpan? TimeBudget { get; init; }

    /// <summary>The 1-based number of the failing schedule, or null.</summary>
    public long? FailingSchedule { get; init; }

    public string? Violation { get; init; }

    public string? Invariant { get; init; }

    /// <summary>The trace file written for the bug, or null.</summary>
    public string? TracePath { get; init; }

    /// <summary>The failing schedule's steps as a trace prints them (empty without a bug).</summary>
    public IReadOnlyList<TraceStep> Steps { get; init; } = [];

    /// <summary>The failing schedule (CPU, kind and site of each step), or empty.</summary>
    public IReadOnlyList<ScheduleStep> Schedule { get; init; } = [];

    /// <summary>Preemptions in the failing schedule, or null.</summary>
    public int? Preemptions { get; init; }

    public string? Elision { get; init; }

    public CoverageReport Coverage { get; init; } = CoverageReport.Empty;

    public IReadOnlyList<LockOrderEdge> LockOrder { get; init; } = [];
}
