namespace PcpTestbed.Model;

/// <summary>A PCP's batch and high bounds for a zone (zone_set_pageset_high_and_batch()).</summary>
public readonly record struct PcpSizing(int Batch, int HighMin, int HighMax)
{
    /// <summary>The sizing for a zone split across <paramref name="cpus"/> CPUs.</summary>
    public static PcpSizing Derive(long managedPages, long lowWatermark, int cpus, int highFraction = 0)
    {
        var batch = ZoneFormulas.ZoneBatchsize(managedPages);
        var (highMin, highMax) = ZoneFormulas.PcpHigh(managedPages, lowWatermark, batch, cpus, highFraction);
        return new PcpSizing(batch, highMin, highMax);
    }

    /// <summary>The sizing for a built zone, from its managed pages and low watermark.</summary>
    public static PcpSizing For(Zone zone, int cpus) => Derive(zone.ManagedPages, zone.Watermarks.Low, cpus);
}
