namespace PcpTestbed.Coyote.Repro;

/// <summary>The outcome of explore --from-repro: the window at which the same violation class came back, and its trace.</summary>
public sealed record ReproExploreResult
{
    public required string Path { get; init; }

    public required string Invariant { get; init; }

    public required string RecordedViolation { get; init; }

    public required int Operations { get; init; }

    public required bool Found { get; init; }

    /// <summary>Operations per CPU interleaved when it was found.</summary>
    public int? Window { get; init; }

    public string? Violation { get; init; }

    public string? TracePath { get; init; }

    public required IReadOnlyList<ReproWindowResult> Windows { get; init; }

    /// <summary>The serial probes before the windows: the whole file, then the bisection's prefixes when it broke serially.</summary>
    public required IReadOnlyList<ReproProbeResult> Probes { get; init; }

    public required TimeSpan Elapsed { get; init; }

    /// <summary>Whether the time budget ran out before every window size was tried.</summary>
    public required bool BudgetExhausted { get; init; }
}
