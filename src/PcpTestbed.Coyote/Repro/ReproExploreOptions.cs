namespace PcpTestbed.Coyote.Repro;

/// <summary>What explore --from-repro searches and for how long.</summary>
public sealed record ReproExploreOptions
{
    public const int DefaultIterationsPerWindow = 200;

    public static readonly TimeSpan DefaultTimeBudget = TimeSpan.FromSeconds(120);

    public required string Path { get; init; }

    /// <summary>Coyote iterations at each window size (1, 2, 4, ... operations per CPU interleaved).</summary>
    public int IterationsPerWindow { get; init; } = DefaultIterationsPerWindow;

    /// <summary>The search stops after this long, inside a window's iteration too (checked at every operation's start).</summary>
    public TimeSpan TimeBudget { get; init; } = DefaultTimeBudget;

    public SchedulingStrategy Strategy { get; init; } = SchedulingStrategy.Portfolio;

    public uint Seed { get; init; }

    public string? TraceDirectory { get; init; }

    /// <summary>Rebuild a fresh zone, without the file's snapshot or ballast (<see cref="ReproFile.Holdings"/>), as files written before either rebuild.</summary>
    public bool NoBallast { get; init; }

    /// <summary>Rebuild with the ballast, not the file's snapshot (<see cref="ReproFile.Snapshot"/>), as files written before it rebuild.</summary>
    public bool NoSnapshot { get; init; }

    /// <summary>Called at each window size's start and as Coyote's progress comes.</summary>
    public Action<ReproExploreProgress>? Progress { get; init; }
}
