using PcpTestbed.Designs;
using PcpTestbed.Model;
using PcpTestbed.Model.Layout;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Highatomic.Tests;

/// <summary>
/// One zone and a mainline allocator over it, driven single-threaded through <see cref="DirectExecution"/>,
/// with the setup steps the highatomic tests share: filling the zone with movable pages down to a free-page
/// target, placing free pages between the min and low watermarks so that the fast path fails and the slow
/// path passes, and reading which blocks are HIGHATOMIC.
/// </summary>
internal sealed class Scenario
{
    /// <summary>
    /// Watermarks for a 256M zone with room for a free HIGHATOMIC reserve between min and low. The kernel's
    /// own (min 512, low 640) leave 128 pages between them, less than one free reserve block: an
    /// ALLOC_HIGHATOMIC request counts the reserve's free pages, a request without it does not
    /// (__zone_watermark_unusable_free()), so no free-page count fails every fast path yet passes every
    /// slow path while 1024 reserve pages are free. Only the gap matters to the rules under test.
    /// </summary>
    public static readonly Watermarks Wide256M = new(Min: 1024, Low: 3072, High: 4096, Promo: 5120);

    /// <summary>Watermarks for a 1G zone with room for a run of 8 order-9 slow-path allocations between min and low.</summary>
    public static readonly Watermarks Wide1G = new(Min: 256, Low: 10240, High: 12288, Promo: 14336);

    /// <summary>
    /// The default filler: movable page cache that neither blocks (no direct reclaim, so no unreserve during setup)
    /// nor has any right to reserves (__GFP_NOMEMALLOC keeps ALLOC_NON_BLOCK off): the watermark GFP_KERNEL sees,
    /// and never a HIGHATOMIC page.
    /// </summary>
    public const Gfp FillerGfp = Gfp.NoWait | Gfp.NoMemalloc | Gfp.Movable;

    /// <summary>
    /// Filler that may take the normal lists down to nothing without touching the reserve: __GFP_HIGH
    /// (half the min watermark) without ALLOC_NON_BLOCK or ALLOC_HIGHATOMIC (__GFP_NOMEMALLOC), so
    /// rmqueue_buddy() never falls back to the HIGHATOMIC lists for it.
    /// </summary>
    public const Gfp ExhausterGfp = Gfp.High | Gfp.NoMemalloc | Gfp.Movable;

    /// <summary>Filler orders: none is cached on a PCP list, so filling never touches a PCP (order 9 is, and is skipped).</summary>
    private static readonly int[] FillerOrders = [10, 8, 7, 6, 5, 4];

    private readonly List<(long Pfn, int Order, int Cpu)> _filler = [];

    private Scenario(Zone zone, PageAllocator<DirectExecution> alloc)
    {
        Zone = zone;
        Alloc = alloc;
    }

    public Zone Zone { get; }

    public PageAllocator<DirectExecution> Alloc { get; }

    /// <summary>
    /// A zone built from <paramref name="spec"/> (every page free, as after boot) and a mainline allocator with
    /// <paramref name="variant"/>. Watermark boosting is off: no kswapd runs to reset a boost, so each fallback
    /// would ratchet the watermarks up and move the targets the tests compute (vm.watermark_boost_factor = 0).
    /// </summary>
    public static Scenario Create(string spec, HighatomicVariant variant, int cpus = 1, IReclaimHooks? reclaim = null,
        Watermarks? watermarks = null)
    {
        var zoneSpec = ZoneSpec.Parse(spec);
        if (watermarks is { } w)
        {
            zoneSpec = zoneSpec with { Watermarks = w };
        }

        var zone = ZoneBuilder.Build(zoneSpec);
        zone.WatermarkBoostFactor = 0;

        var config = new AllocatorConfig { Cpus = cpus, Highatomic = variant, Reclaim = reclaim ?? NoReclaim.Instance };
        return new Scenario(zone, AllocatorFactory.Create(DesignKind.Mainline, zone, config, new DirectExecution()));
    }

    /// <summary>alloc_pages() that must succeed: returns the absolute pfn.</summary>
    public long Allocate(int cpu, Gfp gfp, int order)
    {
        var result = Alloc.Allocate(cpu, gfp, order);
        Assert.True(result.Succeeded, $"order-{order} allocation with gfp {gfp} on CPU {cpu} failed; free pages {Zone.NrFreePages}");
        return result.Pfn;
    }

    public int BlockOf(long absolutePfn) => Zone.BlockIndex(Zone.RelativePfn(absolutePfn));

    public MigrateType BlockType(long absolutePfn) => Zone.GetPageblockMigratetype(Zone.RelativePfn(absolutePfn));

    /// <summary>The HIGHATOMIC pageblocks now. Growth only converts other blocks, so a pfn whose block is in a set taken before an allocation was served from the reserve.</summary>
    public HashSet<int> HighatomicBlocks()
    {
        var set = new HashSet<int>();
        for (var b = 0; b < Zone.NrPageblocks; b++)
        {
            if (Zone.Blocks[b].MigrateType == MigrateType.HighAtomic)
            {
                set.Add(b);
            }
        }

        return set;
    }

    /// <summary>
    /// Allocates filler chunks (orders 10, 8..4, largest first) until free pages are within 15 of
    /// <paramref name="freePagesFloor"/> without going below it. The filler is kept for <see cref="ReleaseOneFiller"/>.
    /// </summary>
    public void FillTo(long freePagesFloor, Gfp gfp = FillerGfp, int cpu = 0)
    {
        foreach (var order in FillerOrders)
        {
            // Bounded: each round takes 2^order pages of a finite zone.
            for (var round = 0; round <= Zone.PresentPages >> order && Zone.NrFreePages - (1L << order) >= freePagesFloor; round++)
            {
                var result = Alloc.Allocate(cpu, gfp, order);
                if (!result.Succeeded)
                {
                    break;
                }

                _filler.Add((result.Pfn, order, cpu));
            }
        }

        var free = Zone.NrFreePages;
        Assert.True(free >= freePagesFloor && free < freePagesFloor + 16,
            $"setup: filling stopped at {free} free pages, wanted {freePagesFloor}..{freePagesFloor + 15}");
    }

    /// <summary>
    /// Places free pages so that an order-<paramref name="order"/> request fails the fast path's low watermark
    /// whatever its flags (with or without the reserve's free pages counted) and passes the slow path's min
    /// watermark even as GFP_KERNEL, which counts neither the reserve nor any discount. Computed from the zone's
    /// watermarks (boost included) and its free highatomic pages:
    /// min + reserve + (2^order - 1) &lt; free &lt;= low + (2^order - 1).
    /// </summary>
    public void ForceSlowpath(int order)
    {
        var low = Zone.WmarkPages(WatermarkKind.Low);
        var min = Zone.WmarkPages(WatermarkKind.Min);
        var gap = low - min - Zone.NrFreeHighatomic;
        Assert.True(gap >= 64, $"setup: low {low} - min {min} - free highatomic {Zone.NrFreeHighatomic} leaves no room between the watermarks");
        var target = low + (1L << order) - 1 - gap / 2;
        FillTo(target - 15);
    }

    /// <summary>Allocates one filler chunk (page cache growing back). Returns whether it succeeded.</summary>
    public bool AllocateFiller(int order, int cpu = 0, Gfp gfp = FillerGfp)
    {
        var result = Alloc.Allocate(cpu, gfp, order);
        if (result.Succeeded)
        {
            _filler.Add((result.Pfn, order, cpu));
        }

        return result.Succeeded;
    }

    /// <summary>Frees the most recent filler chunk, if any (reclaim giving page cache back). Returns the pages freed.</summary>
    public long ReleaseOneFiller()
    {
        if (_filler.Count == 0)
        {
            return 0;
        }

        var (pfn, order, cpu) = _filler[^1];
        _filler.RemoveAt(_filler.Count - 1);
        Alloc.Free(cpu, pfn, order);
        return 1L << order;
    }

    /// <summary>Every §7 invariant, including the auditor's highatomic accounting (whole blocks, within the cap).</summary>
    public void AssertAuditClean()
    {
        var report = Alloc.Audit();
        Assert.True(report.IsClean, report.ToString());
    }

    /// <summary>Whole-block accounting stated directly: nr_reserved_highatomic is 512 x the HIGHATOMIC blocks.</summary>
    public void AssertWholeBlockAccounting()
    {
        var reserved = Zone.NrReservedHighatomic;
        Assert.Equal(0, reserved % PageAlloc.PageblockNrPages);
        Assert.Equal(HighatomicBlocks().Count * (long)PageAlloc.PageblockNrPages, reserved);
        Assert.True(reserved <= Zone.HighatomicMaxPages, $"nr_reserved_highatomic {reserved} exceeds the cap {Zone.HighatomicMaxPages}");
    }
}
