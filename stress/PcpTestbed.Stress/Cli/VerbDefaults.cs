using PcpTestbed.Designs;
using PcpTestbed.Workloads.Kinds;

namespace PcpTestbed.Stress.Cli;

/// <summary>What a measuring verb runs when an option is not given, and which of the shared options it has.</summary>
public sealed record VerbDefaults
{
    public required IReadOnlyList<DesignKind> Designs { get; init; }

    /// <summary>The verb takes --designs (a list) even if its default is one design.</summary>
    public bool ManyDesigns { get; init; }

    public required WorkloadKind Workload { get; init; }

    public required IReadOnlyList<int> Cpus { get; init; }

    /// <summary>--cpus takes a list (sweep).</summary>
    public bool CpuList { get; init; }

    public required double Seconds { get; init; }

    /// <summary>The verb also takes --minutes (soak).</summary>
    public bool Minutes { get; init; }

    public bool Plot { get; init; } = true;

    public bool AllFaults { get; init; }

    /// <summary>The --work-scale default: 1 (the published per-page costs) for the measuring verbs; soak hammers the allocator at 0.</summary>
    public double WorkScale { get; init; } = 1;
}
