namespace PcpTestbed.Coyote.Shrink;

/// <summary>What shrink reduces and how long it may try.</summary>
public sealed record ShrinkOptions
{
    public const int DefaultMaxPreemptionBound = 2;

    public static readonly TimeSpan DefaultSearchBudget = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan DefaultTimeBudget = TimeSpan.FromSeconds(300);

    /// <summary>The trace file to shrink (any engine's).</summary>
    public required string Path { get; init; }

    /// <summary>Where the shrunk trace goes; by default beside the input, named NAME.shrunk.trace.json.</summary>
    public string? OutputPath { get; init; }

    /// <summary>The largest preemption bound the search for a failing schedule of a smaller scenario tries.</summary>
    public int MaxPreemptionBound { get; init; } = DefaultMaxPreemptionBound;

    /// <summary>Time one exhaustive search at one bound may take before it counts as not finding the violation.</summary>
    public TimeSpan SearchBudget { get; init; } = DefaultSearchBudget;

    /// <summary>No new candidate starts after this long; what was shrunk so far is written.</summary>
    public TimeSpan TimeBudget { get; init; } = DefaultTimeBudget;

    /// <summary>A line per candidate tried, for the progress display.</summary>
    public Action<string>? Progress { get; init; }
}
