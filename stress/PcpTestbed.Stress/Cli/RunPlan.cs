using PcpTestbed.Designs;
using PcpTestbed.Workloads.Run;

namespace PcpTestbed.Stress.Cli;

/// <summary>What a measuring verb will run, checked: the designs and CPU counts, one options template, where the results go.</summary>
public sealed record RunPlan
{
    public required IReadOnlyList<DesignKind> Designs { get; init; }

    public required IReadOnlyList<int> Cpus { get; init; }

    /// <summary>Every run's options; <see cref="For"/> sets the design and CPU count.</summary>
    public required RunOptions Template { get; init; }

    public string? JsonPath { get; init; }

    public string? PlotPath { get; init; }

    /// <summary>Where to draw the sampled free pages by migratetype (<c>--plot-free</c>).</summary>
    public string? PlotFreePath { get; init; }

    public OutputFormat Format { get; init; }

    public bool Quiet { get; init; }

    /// <summary>Where a run that breaks writes its reproduction file (<c>--repro-dir</c>).</summary>
    public string ReproDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "pcptestbed-repro");

    /// <summary>What the plan changed or ignored, printed before the runs.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    public RunOptions For(DesignKind design, int cpus) => Template with { Design = design, Cpus = cpus };
}
