using System.Runtime.InteropServices;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Workloads.Kinds;

/// <summary>What a workload counts on one CPU, beside the allocator's own statistics. Written by that CPU only.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct WorkloadCounters // do not make readonly: incremented in place
{
    private CacheLinePad _before;

    /// <summary>Steps that found nothing to do (a full queue, an empty inbox, a phase not yet begun).</summary>
    public long IdleSteps;

    /// <summary>udp: order-1 page-fragment requests that fell back to order 0.</summary>
    public long OrderZeroFallbacks;

    /// <summary>page-fault, cma, exit: completed runs or cycles.</summary>
    public long Cycles;

    /// <summary>Pages handed to another CPU to free.</summary>
    public long HandedOffPages;

    private CacheLinePad _after;
}
