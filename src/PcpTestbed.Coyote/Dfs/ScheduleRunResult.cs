namespace PcpTestbed.Coyote.Dfs;

/// <summary>What running a schedule did: its violation (if any), its steps, and where it left the schedule it was given.</summary>
public sealed record ScheduleRunResult
{
    public required string Scenario { get; init; }

    public required string Design { get; init; }

    public required IReadOnlyList<string> Bugs { get; init; }

    /// <summary>The violation, or null if the iteration ran clean (or was stopped first).</summary>
    public string? Violation { get; init; }

    public string? Invariant { get; init; }

    /// <summary>The iteration's steps, as a trace prints them.</summary>
    public required IReadOnlyList<TraceStep> Steps { get; init; }

    /// <summary>The schedule that actually ran (every step's CPU, kind and site).</summary>
    public required IReadOnlyList<ScheduleStep> Schedule { get; init; }

    /// <summary>The first step that did not meet the given schedule's point, or null if every given step was met.</summary>
    public Divergence? Divergence { get; init; }

    /// <summary>Given steps that ran as given.</summary>
    public required int FollowedSteps { get; init; }

    /// <summary>Whether the run stopped at the divergence (<see cref="ScheduleRunOptions.StopAtDivergence"/>).</summary>
    public required bool Stopped { get; init; }

    /// <summary>Preemptions in the schedule that ran.</summary>
    public required int Preemptions { get; init; }

    public required TimeSpan Elapsed { get; init; }

    /// <summary>Whether the run failed with exactly <paramref name="violation"/> (its text: the invariant, CPUs, pages and sites).</summary>
    public bool Reproduces(string violation) => Violation == violation;

    /// <summary>Whether the run failed breaking the same invariant as <paramref name="violation"/> (its details may differ).</summary>
    public bool SameInvariantAs(string violation) => Violation != null && Violations.InvariantOf(Violation) == Violations.InvariantOf(violation);
}
