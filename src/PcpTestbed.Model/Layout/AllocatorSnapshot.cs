namespace PcpTestbed.Model.Layout;

/// <summary>
/// An allocator's whole state at a quiescent point: the zone's (<see cref="ZoneSnapshot"/>), which CPUs are online, and each
/// CPU's PCP as its design keeps it (<see cref="PerCpu"/>: counters, list heads, the remote-free head; the lists' pages are
/// in the zone's page array). Taken by the design (<c>IPageAllocator.SaveSnapshot</c>) at every clean audit of a run whose
/// flight recorder is on, carried through the flight recording into the reproduction file, and written back into a fresh
/// allocator of the same design, CPUs and zone spec by <c>explore --from-repro</c>.
/// </summary>
/// <remarks>
/// It lives in the model, not with the designs, because the flight recorder carries it and the execution layer sees the model
/// only; the per-CPU part is the design's bytes (<see cref="PerCpuStateSize"/> each), which only the design reads.
/// </remarks>
public sealed class AllocatorSnapshot
{
    public AllocatorSnapshot(string design, int cpus, int presentPages, int perCpuStateSize)
    {
        ArgumentException.ThrowIfNullOrEmpty(design);
        ArgumentOutOfRangeException.ThrowIfLessThan(cpus, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(perCpuStateSize, 1);
        Design = design;
        PerCpuStateSize = perCpuStateSize;
        Zone = new ZoneSnapshot(presentPages, cpus);
        Online = new int[cpus];
        PerCpu = new byte[cpus * perCpuStateSize];
    }

    /// <summary>The design's name (<c>Designs.Name</c>): a snapshot is written back into the same design only.</summary>
    public string Design { get; }

    public int Cpus => Online.Length;

    public ZoneSnapshot Zone { get; }

    /// <summary>Per CPU, 1 while it is online.</summary>
    public int[] Online { get; }

    /// <summary>Bytes of one CPU's PCP state in <see cref="PerCpu"/>.</summary>
    public int PerCpuStateSize { get; }

    /// <summary>Each CPU's PCP state, <see cref="PerCpuStateSize"/> bytes each, as the design lays it out.</summary>
    public byte[] PerCpu { get; }

    /// <summary>Whether this snapshot's arrays fit an allocator of <paramref name="design"/>, <paramref name="cpus"/> CPUs and a zone of <paramref name="presentPages"/> pages (so it can be reused).</summary>
    public bool Fits(string design, int cpus, int presentPages, int perCpuStateSize) =>
        Design == design && Cpus == cpus && Zone.Pages.Length == presentPages && PerCpuStateSize == perCpuStateSize;
}
