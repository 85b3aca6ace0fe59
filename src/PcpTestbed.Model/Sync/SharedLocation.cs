using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace PcpTestbed.Model.Sync;

/// <summary>
/// Which shared object a scheduling point reads or writes: a kind and an instance. Two points conflict when they
/// touch the same location and one of them writes; an engine that reduces schedules by partial order (Coyote's
/// <c>SchedulingPoint.Read/Write</c>, an exhaustive explorer) uses exactly that. On OS threads a location is built
/// and dropped by the JIT: the factories are constant-folded into calls that do nothing.
/// </summary>
/// <param name="Kind">The kind of object.</param>
/// <param name="Index">The instance: a CPU, a pageblock, a zone-relative pfn; 0 for the zone's singletons.</param>
public readonly record struct SharedLocation(LocationKind Kind, int Index)
{
    private static readonly ConcurrentDictionary<SharedLocation, string> Names = new();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SharedLocation PcpCount(int cpu) => new(LocationKind.PcpCount, cpu);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SharedLocation PcpHigh(int cpu) => new(LocationKind.PcpHigh, cpu);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SharedLocation PcpSizing(int cpu) => new(LocationKind.PcpSizing, cpu);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SharedLocation PcpLists(int cpu) => new(LocationKind.PcpLists, cpu);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SharedLocation RemoteFreeHead(int cpu) => new(LocationKind.PcpRemoteFreeHead, cpu);

    /// <summary>The pageblock word of block <paramref name="block"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SharedLocation Pageblock(int block) => new(LocationKind.PageblockWord, block);

    /// <summary>The pageblock word of the block holding zone-relative <paramref name="pfn"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SharedLocation PageblockOf(int pfn) => new(LocationKind.PageblockWord, pfn >> PageAlloc.PageblockOrder);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SharedLocation Page(int pfn) => new(LocationKind.Page, pfn);

    /// <summary>free_area[<paramref name="order"/>]: its free lists and nr_free.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SharedLocation FreeArea(int order) => new(LocationKind.FreeArea, order);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SharedLocation OwnedBlocks(int cpu) => new(LocationKind.OwnedBlocks, cpu);

    public static SharedLocation ZoneCounters => new(LocationKind.ZoneCounters, 0);

    public static SharedLocation ZoneHighatomic => new(LocationKind.ZoneHighatomic, 0);

    public static SharedLocation ZoneFlags => new(LocationKind.ZoneFlags, 0);

    public static SharedLocation ZoneWatermarkBoost => new(LocationKind.ZoneWatermarkBoost, 0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SharedLocation CpuOnline(int cpu) => new(LocationKind.CpuOnline, cpu);

    public static SharedLocation DrainMutex => new(LocationKind.DrainMutex, 0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SharedLocation Scenario(int index) => new(LocationKind.Scenario, index);

    /// <summary>The location's name, e.g. "pcp#1.count" or "page#0x1f": stable, and cached, so an engine may use it as a key.</summary>
    public string Name => Names.GetOrAdd(this, static l => l.Format());

    public override string ToString() => Name;

    private string Format()
    {
        var i = Index.ToString(CultureInfo.InvariantCulture);
        return Kind switch
        {
            LocationKind.PcpCount => $"pcp#{i}.count",
            LocationKind.PcpHigh => $"pcp#{i}.high",
            LocationKind.PcpSizing => $"pcp#{i}.batch",
            LocationKind.PcpLists => $"pcp#{i}.lists",
            LocationKind.PcpRemoteFreeHead => $"pcp#{i}.remote_free_head",
            LocationKind.PageblockWord => $"pageblock#{i}",
            LocationKind.Page => "page#0x" + Index.ToString("x", CultureInfo.InvariantCulture),
            LocationKind.FreeArea => $"zone.free_area[{i}]",
            LocationKind.OwnedBlocks => $"pcp#{i}.owned_blocks",
            LocationKind.ZoneCounters => "zone.vm_stat",
            LocationKind.ZoneHighatomic => "zone.nr_reserved_highatomic",
            LocationKind.ZoneFlags => "zone.flags",
            LocationKind.ZoneWatermarkBoost => "zone.watermark_boost",
            LocationKind.CpuOnline => $"cpu_online#{i}",
            LocationKind.DrainMutex => "pcpu_drain_mutex",
            LocationKind.Scenario => $"scenario#{i}",
            _ => $"{Kind}#{i}",
        };
    }
}
