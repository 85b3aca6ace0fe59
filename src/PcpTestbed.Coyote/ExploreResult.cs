namespace PcpTestbed.Coyote;

/// <summary>The outcome of an exploration: a clean bill over the iterations run, or the first bug and its trace.</summary>
public sealed record ExploreResult
{
    public required string Scenario { get; init; }

    public required string Design { get; init; }

    /// <summary>Names of the injected bugs that were on.</summary>
    public required IReadOnlyList<string> Bugs { get; init; }

    public required string Strategy { get; init; }

    public required uint Seed { get; init; }

    /// <summary>Iterations run (up to and including the failing one).</summary>
    public required int Iterations { get; init; }

    public required bool BugFound { get; init; }

    /// <summary>
    /// <see cref="ExploreOptions.TimeLimit"/> ran out: the iteration it cut is not counted and nothing is claimed for it or
    /// for the iterations not run.
    /// </summary>
    public bool OutOfTime { get; init; }

    /// <summary>Iterations that met a violation of another class than <see cref="ExploreOptions.SoughtInvariant"/> and were gone past.</summary>
    public int OtherViolations { get; init; }

    /// <summary>The first of <see cref="OtherViolations"/>, verbatim, or null.</summary>
    public string? FirstOtherViolation { get; init; }

    /// <summary>The 1-based iteration that met <see cref="FirstOtherViolation"/>, or null.</summary>
    public int? FirstOtherIteration { get; init; }

    /// <summary>The 1-based iteration that found the bug, or null.</summary>
    public int? FirstBugIteration { get; init; }

    /// <summary>The violation, verbatim as Coyote reported it, or null.</summary>
    public string? Violation { get; init; }

    /// <summary>The invariant the violation names (e.g. "§7.4 ownership", "liveness"), or null.</summary>
    public string? Invariant { get; init; }

    public required TimeSpan Elapsed { get; init; }

    public required double IterationsPerSecond { get; init; }

    /// <summary>The trace file written for the bug, or null.</summary>
    public string? TracePath { get; init; }

    /// <summary>The failing iteration's steps (empty when no bug was found).</summary>
    public IReadOnlyList<TraceStep> Steps { get; init; } = [];

    /// <summary>The elided lock of a lock-elision run ("zone->lock@rmqueue_bulk"), or null.</summary>
    public string? Elision { get; init; }

    /// <summary>What the iterations' schedules covered: sites reached, sites adjacent on different CPUs, sites never reached.</summary>
    public CoverageReport Coverage { get; init; } = CoverageReport.Empty;

    /// <summary>Every nesting of two locks the iterations took (lockdep's lock-order graph), with both acquisition sites.</summary>
    public IReadOnlyList<Model.Sync.LockOrderEdge> LockOrder { get; init; } = [];
}
