namespace PcpTestbed.Coyote.Repro;

/// <summary>What explore --from-repro searches and for how long.</summary>
public sealed record ReproExploreOptions
{
    public const int DefaultIterationsPerWindow = 200;

    public static readonly TimeSpan DefaultTimeBudget = TimeSpan.FromSeconds(120);

    public required string Path { get; init; }

    /// <summary>
    /// The file at <see cref="Path"/> as the search rebuilds it (<see cref="Rebuilt"/> applied) when the caller has it already
    /// (loading restores the snapshot and audits it; the command describes the rebuild before the search), or null: Explore
    /// loads it and applies <see cref="Rebuilt"/>.
    /// </summary>
    public ReproFile? File { get; init; }

    /// <summary>Coyote iterations at each window size (1, 2, 4, ... operations per CPU interleaved).</summary>
    public int IterationsPerWindow { get; init; } = DefaultIterationsPerWindow;

    /// <summary>
    /// Whether, once every window size has had its <see cref="IterationsPerWindow"/>, rounds of as many more go on until
    /// <see cref="TimeBudget"/> is out (<see cref="ReproWindowSchedule"/>): explore --from-repro's default with a budget and
    /// no --iterations. Without, the search ends after the first round.
    /// </summary>
    public bool MoreRounds { get; init; }

    /// <summary>The search stops after this long, inside a window's iteration too (checked at every operation's start).</summary>
    public TimeSpan TimeBudget { get; init; } = DefaultTimeBudget;

    public SchedulingStrategy Strategy { get; init; } = SchedulingStrategy.Portfolio;

    public uint Seed { get; init; }

    public string? TraceDirectory { get; init; }

    /// <summary>Rebuild a fresh zone, without the file's snapshot or ballast (<see cref="ReproFile.Holdings"/>), as files written before either rebuild.</summary>
    public bool NoBallast { get; init; }

    /// <summary>Rebuild with the ballast, not the file's snapshot (<see cref="ReproFile.Snapshot"/>), as files written before it rebuild.</summary>
    public bool NoSnapshot { get; init; }

    /// <summary>Search without the file's interrupts (<see cref="ReproFile.Interrupts"/>): no stalls.</summary>
    public bool NoIrq { get; init; }

    /// <summary>The sites interrupts land at instead of the file's (for a file without any: every point of them, <see cref="ReproInterrupts.DefaultDelayNs"/>), or null.</summary>
    public IReadOnlyList<string>? IrqSites { get; init; }

    /// <summary>A stall's length in other CPUs' scheduling steps instead of the one derived from the delay, or null.</summary>
    public int? IrqSteps { get; init; }

    /// <summary>
    /// The file as the search rebuilds it: without the ballast and snapshot (<see cref="NoBallast"/>) or the snapshot
    /// (<see cref="NoSnapshot"/>), with the interrupts <see cref="WithInterrupts"/> gives it: applied once, by the caller that
    /// sets <see cref="File"/> or by the search.
    /// </summary>
    public ReproFile Rebuilt(ReproFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        file = NoBallast ? file with { Holdings = null, Snapshot = null } : file;
        file = NoSnapshot ? file with { Snapshot = null } : file;
        return WithInterrupts(file);
    }

    /// <summary>The file with these options' interrupts: none with <see cref="NoIrq"/>, else the file's with <see cref="IrqSites"/> and <see cref="IrqSteps"/> applied.</summary>
    public ReproFile WithInterrupts(ReproFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (NoIrq)
        {
            return file with { Interrupts = null };
        }

        var irq = IrqSites is { } sites ? (file.Interrupts ?? new ReproInterrupts(null, 100, ReproInterrupts.DefaultDelayNs)) with { Sites = sites } : file.Interrupts;
        return file with { Interrupts = irq is not null && IrqSteps is { } steps ? irq with { Steps = steps } : irq };
    }

    /// <summary>Called at each window size's start and as Coyote's progress comes.</summary>
    public Action<ReproExploreProgress>? Progress { get; init; }
}
