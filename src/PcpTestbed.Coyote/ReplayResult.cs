namespace PcpTestbed.Coyote;

/// <summary>The outcome of replaying a trace file.</summary>
public sealed record ReplayResult
{
    public required string Path { get; init; }

    /// <summary>The engine that recorded the trace and replayed it: "coyote" or "dfs".</summary>
    public required string Engine { get; init; }

    public required string Scenario { get; init; }

    public required string Design { get; init; }

    public required IReadOnlyList<string> Bugs { get; init; }

    /// <summary>True when the replay met every recorded point and failed with exactly the recorded violation.</summary>
    public required bool Reproduced { get; init; }

    /// <summary>The violation the replay reported, or null if it ran clean (or stopped at a divergence).</summary>
    public string? Violation { get; init; }

    /// <summary>The violation the trace file recorded.</summary>
    public required string ExpectedViolation { get; init; }

    /// <summary>The replayed iteration's steps.</summary>
    public IReadOnlyList<TraceStep> Steps { get; init; } = [];

    /// <summary>
    /// The first step whose point (CPU, kind, site) differs from the recorded one: the code changed since the trace was
    /// written. Null when every recorded point came back.
    /// </summary>
    public Divergence? Divergence { get; init; }

    /// <summary>The site table the trace was recorded against.</summary>
    public SiteTable? RecordedSiteTable { get; init; }

    /// <summary>Whether this build's site table differs from the recorded one (a note when the replay did not diverge).</summary>
    public bool SiteTableChanged { get; init; }

    public TimeSpan Elapsed { get; init; }

    /// <summary>How many of <see cref="Steps"/> the setup took (the trace's record; 0 for traces written before it was kept).</summary>
    public int SetupSteps { get; init; }
}
