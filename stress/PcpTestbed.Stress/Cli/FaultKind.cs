namespace PcpTestbed.Stress.Cli;

/// <summary>The faults --faults switches on (issue 9), and "none".</summary>
public enum FaultKind
{
    None,

    /// <summary>Random CPUs go offline (page_alloc_cpu_dead() on a survivor) and come back.</summary>
    CpuHotplug,

    /// <summary>CPUs run drain_all_pages() after a share of their steps.</summary>
    DrainStorm,

    /// <summary>A memory hog exhausts the zone now and then, holds the pages briefly and frees them.</summary>
    Exhaustion,

    /// <summary>A busy-wait inside every zone->lock and pcp->lock hold.</summary>
    HoldDelay,
}
