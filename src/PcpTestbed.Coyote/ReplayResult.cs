namespace PcpTestbed.Coyote;

/// <summary>The outcome of replaying a trace file.</summary>
public sealed record ReplayResult
{
    public required string Path { get; init; }

    public required string Scenario { get; init; }

    public required string Design { get; init; }

    public required IReadOnlyList<string> Bugs { get; init; }

    /// <summary>True when the replay failed with exactly the recorded violation.</summary>
    public required bool Reproduced { get; init; }

    /// <summary>The violation the replay reported, or null if it ran clean.</summary>
    public string? Violation { get; init; }

    /// <summary>The violation the trace file recorded.</summary>
    public required string ExpectedViolation { get; init; }

    /// <summary>The replayed iteration's steps.</summary>
    public IReadOnlyList<TraceStep> Steps { get; init; } = [];

    public required TimeSpan Elapsed { get; init; }
}
