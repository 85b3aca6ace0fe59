namespace PcpTestbed.Model;

/// <summary>
/// The parameters the kernel derives for a zone and a CPU count: watermarks, the PCP batch and
/// high bounds, and the highatomic cap.
/// </summary>
public sealed record ZoneParameters
{
    public required long ManagedPages { get; init; }

    /// <summary>The CPUs the PCP high is split across (the zone node's CPUs).</summary>
    public required int Cpus { get; init; }

    /// <summary>Managed pages of every lowmem zone of the node: the denominator of each zone's min share.</summary>
    public required long LowmemPages { get; init; }

    public required long MinFreeKbytes { get; init; }

    public required int WatermarkScaleFactor { get; init; }

    /// <summary>vm.percpu_pagelist_high_fraction: 0 lets high auto-tune between high_min and high_max.</summary>
    public int PercpuPagelistHighFraction { get; init; }

    public required Watermarks Watermarks { get; init; }

    public required PcpSizing Pcp { get; init; }

    public required long HighatomicMaxPages { get; init; }

    /// <summary>
    /// Derives every parameter the way the kernel does at boot. Unless given, the zone is the only
    /// lowmem zone and min_free_kbytes comes from calculate_min_free_kbytes(); a real machine may
    /// have raised it (THP's set_recommended_min_free_kbytes()), so importers pass the live value.
    /// </summary>
    public static ZoneParameters Derive(
        long managedPages,
        int cpus,
        long? lowmemPages = null,
        long? minFreeKbytes = null,
        int watermarkScaleFactor = PageAlloc.DefaultWatermarkScaleFactor,
        int percpuPagelistHighFraction = 0)
    {
        if (managedPages <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(managedPages), managedPages, "expected a positive page count");
        }

        if (cpus <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(cpus), cpus, "expected at least one CPU");
        }

        var lowmem = lowmemPages ?? managedPages;
        var minFree = minFreeKbytes ?? ZoneFormulas.CalculateMinFreeKbytes(lowmem);
        var wm = ZoneFormulas.SetupPerZoneWmarks(managedPages, lowmem, minFree, watermarkScaleFactor);
        return new ZoneParameters
        {
            ManagedPages = managedPages,
            Cpus = cpus,
            LowmemPages = lowmem,
            MinFreeKbytes = minFree,
            WatermarkScaleFactor = watermarkScaleFactor,
            PercpuPagelistHighFraction = percpuPagelistHighFraction,
            Watermarks = wm,
            Pcp = PcpSizing.Derive(managedPages, wm.Low, cpus, percpuPagelistHighFraction),
            HighatomicMaxPages = Zone.ComputeHighatomicMaxPages(managedPages),
        };
    }
}
