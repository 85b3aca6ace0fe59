using PcpTestbed.Model;
using PcpTestbed.Model.Layout;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs.Tests.Support;

/// <summary>
/// One allocator over a freshly booted zone, run single-threaded with a <see cref="CountingExecution"/>,
/// plus the helpers the rule tests share. Pfns passed in and out are absolute, as the allocator's callers
/// see them; <see cref="Rel"/> turns one into the zone-relative index of the page array.
/// </summary>
public sealed class Rig
{
    /// <summary>Gfp for movable user pages (GFP_HIGHUSER_MOVABLE).</summary>
    public const Gfp Movable = Gfp.HighUserMovable;

    /// <summary>GFP_KERNEL: unmovable.</summary>
    public const Gfp Unmovable = Gfp.Kernel;

    /// <summary>GFP_KERNEL | __GFP_RECLAIMABLE.</summary>
    public const Gfp Reclaimable = Gfp.Kernel | Gfp.Reclaimable;

    public Rig(DesignKind design, string spec = "64M", int cpus = 4, Watermarks? watermarks = null,
        HighatomicVariant highatomic = HighatomicVariants.Default, bool refillWithinHigh = false, bool unchunkedPcpFree = false,
        InjectedBug bugs = InjectedBug.None, Model.Audit.VmWarnings? debugVm = null, IReclaimHooks? reclaim = null)
    {
        var zoneSpec = ZoneSpec.Parse(spec);
        if (watermarks != null)
        {
            zoneSpec = zoneSpec with { Watermarks = watermarks };
        }

        Zone = ZoneBuilder.Build(zoneSpec);
        Log = new LockLog();
        A = AllocatorFactory.Create(design, Zone, new AllocatorConfig
        {
            Cpus = cpus,
            Highatomic = highatomic,
            PageblockRefillWithinHigh = refillWithinHigh,
            UnchunkedPcpFree = unchunkedPcpFree,
            Bugs = bugs,
            DebugVm = debugVm,
            Reclaim = reclaim ?? NoReclaim.Instance,
        }, new CountingExecution(Log));
    }

    /// <summary>Zero watermarks, so allocations may take every page: for tests that fill or fragment the zone.</summary>
    public static Watermarks TinyWatermarks => new(0, 0, 0, 0);

    public PageAllocator<CountingExecution> A { get; }

    public Zone Zone { get; }

    public LockLog Log { get; }

    public int Batch => A.Pcp(0).Batch;

    /// <summary>Allocates and asserts success; returns the absolute pfn.</summary>
    public long Alloc(int cpu, Gfp gfp = Movable, int order = 0)
    {
        var r = A.Allocate(cpu, gfp, order);
        Assert.True(r.Succeeded, $"allocation of order {order} ({gfp}) on CPU {cpu} failed");
        return r.Pfn;
    }

    /// <summary>Allocates <paramref name="n"/> chunks.</summary>
    public List<long> AllocMany(int cpu, int n, Gfp gfp = Movable, int order = 0)
    {
        var list = new List<long>(n);
        for (var i = 0; i < n; i++)
        {
            list.Add(Alloc(cpu, gfp, order));
        }

        return list;
    }

    /// <summary>free_unref_folios() of order-<paramref name="order"/> chunks on <paramref name="cpu"/>.</summary>
    public void FreeBatch(int cpu, IEnumerable<long> pfns, int order = 0) =>
        A.FreeUnrefFolios(cpu, pfns.Select(p => new Folio(p, order)).ToArray());

    public void FreeMany(int cpu, IEnumerable<long> pfns, int order = 0)
    {
        foreach (var pfn in pfns)
        {
            A.Free(cpu, pfn, order);
        }
    }

    public int Rel(long pfn)
    {
        var rel = Zone.RelativePfn(pfn);
        Assert.True(rel >= 0, $"pfn {pfn:x} is outside the zone");
        return rel;
    }

    public ref Page Page(long pfn) => ref Zone.Pages[Rel(pfn)];

    public int BlockOf(long pfn) => Rel(pfn) >> PageAlloc.PageblockOrder;

    public MigrateType BlockType(long pfn) => Zone.GetPageblockMigratetype(Rel(pfn));

    public int Owner(int block) => Zone.Blocks[block].Owner;

    /// <summary>A CPU's per_cpu_pages, through the designs' test hook.</summary>
    public ref PerCpuPages Pcp(int cpu) => ref A.PcpRef(cpu);

    /// <summary>The zone-relative pfns on one of a CPU's PCP lists, head to tail.</summary>
    public List<int> PcpList(int cpu, int listIndex)
    {
        var pfns = new List<int>();
        ref var list = ref A.PcpRef(cpu).Lists[listIndex];
        for (var p = list.First; p >= 0 && pfns.Count <= Zone.PresentPages; p = PageList.Next(Zone.Pages, p))
        {
            pfns.Add(p);
        }

        return pfns;
    }

    /// <summary>Forces <paramref name="cpu"/>'s next pcp trylock to fail, as if <paramref name="holder"/> were draining it.</summary>
    public void SeizePcpLock(int cpu, int holder) => DirectExecution.Seize(ref A.PcpRef(cpu).Lock, holder);

    public void ReleasePcpLock(int cpu) => DirectExecution.Release(ref A.PcpRef(cpu).Lock);

    /// <summary>Runs <paramref name="body"/> holding zone->lock, for zone-level setup the allocator offers no call for.</summary>
    public void UnderZoneLock(Action body)
    {
        DirectExecution.Seize(ref Zone.Lock, 0);
        try
        {
            body();
        }
        finally
        {
            DirectExecution.Release(ref Zone.Lock);
        }
    }

    /// <summary>Every invariant of KERNEL.md §7 holds. Called at the end of every test.</summary>
    public void AssertAuditClean()
    {
        var report = A.Audit();
        Assert.True(report.IsClean, report.ToString());
    }

    /// <summary>
    /// Fragments the zone: allocates chunks of <paramref name="order"/> from the buddy until the zone is
    /// exhausted (use <see cref="TinyWatermarks"/>), then frees those whose chunk index is even and that
    /// <paramref name="freeIf"/> accepts, so no freed chunk can merge with its buddy. Returns the chunks still held.
    /// </summary>
    public List<long> Fragment(int order, Func<long, bool>? freeIf = null, int cpu = 0)
    {
        Assert.False(PageAlloc.PcpAllowedOrder(order), "fragment with an order the PCP does not cache, so no PCP holds pages");
        var held = new List<long>();
        for (var i = 0; i <= Zone.PresentPages >> order; i++)
        {
            var r = A.Allocate(cpu, Movable, order);
            if (!r.Succeeded)
            {
                break;
            }

            held.Add(r.Pfn);
        }

        Assert.True(Zone.NrFreePages < 1 << order, $"the zone still has {Zone.NrFreePages} free pages after filling it with order-{order} chunks");
        var kept = new List<long>();
        foreach (var pfn in held)
        {
            if (((Rel(pfn) >> order) & 1) == 0 && (freeIf == null || freeIf(pfn)))
            {
                A.Free(cpu, pfn, order);
            }
            else
            {
                kept.Add(pfn);
            }
        }

        // The filling allocations found the zone below its high watermark; the frees did not pass a PCP to clear it.
        Zone.ClearFlag(ZoneFlags.BelowHigh);
        Log.Clear();
        return kept;
    }

    public static IEnumerable<object[]> PageblockDesigns() =>
    [
        [DesignKind.Pageblock],
        [DesignKind.PageblockCmaFix],
        [DesignKind.PageblockLockFree],
    ];

    public static IEnumerable<object[]> AllDesigns() => PcpTestbed.Designs.Designs.All.Select(d => new object[] { d });
}
