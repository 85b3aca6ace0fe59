using PcpTestbed.Workloads.Run;

namespace PcpTestbed.Stress.Output;

/// <summary>How tables and plots say which times they show: the host's, or the virtual engine's.</summary>
public static class EngineLabels
{
    /// <summary>Every run in <paramref name="runs"/> ran in virtual time.</summary>
    public static bool Virtual(IEnumerable<RunResult> runs) => runs.Any() && runs.All(r => r.Engine.VirtualTime);

    /// <summary>"ns" or "virtual ns".</summary>
    public static string Ns(bool isVirtual) => isVirtual ? "virtual ns" : "ns";

    /// <summary>A plot title's suffix: " (virtual time)" or nothing.</summary>
    public static string TitleSuffix(bool isVirtual) => isVirtual ? " (virtual time)" : "";

    /// <summary>The run's engine for a header: nothing on threads; the engine and its cost model in virtual time.</summary>
    public static string? Describe(RunResult r) => r.Engine.CostModel is { } cost
        ? $"virtual time (cost model {cost.File}, sha256 {cost.Sha256[..12]}): every time is virtual, no host's"
        : null;
}
