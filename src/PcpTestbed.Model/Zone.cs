using System.Runtime.CompilerServices;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Model;

/// <summary>
/// One memory zone (struct zone): the pfn-indexed page array, per-pageblock data, the buddy free
/// areas and their counters, watermarks and zone->lock.
/// <para>
/// Pfns inside the model are zone-relative indices; <see cref="StartPfn"/> (aligned to
/// MAX_ORDER_NR_PAGES, so buddy arithmetic is the same) turns them into the absolute pfns users see.
/// The zone has no holes: every pfn in [0, <see cref="PresentPages"/>) is a page.
/// </para>
/// <para>
/// Methods whose names end in <c>Locked</c>, and the buddy functions in the partial files, must be
/// called with <see cref="Lock"/> held: they assert it (lockdep_assert_held).
/// </para>
/// </summary>
public sealed partial class Zone
{
    private static readonly IZoneSeam Unattached = new UnattachedSeam();

    private readonly ListHead[] _freeList; // free_area[order].free_list[mt] at [order * MigrateTypes.Count + mt]; guarded by zone->lock
    private readonly long[] _nrFree; // free_area[order].nr_free; guarded by zone->lock

    // Chunks on free_area[order].free_list[mt], at [order * MigrateTypes.Count + mt]; guarded by zone->lock, read racily
    // by the free-page sampler. The kernel has no such counter: /proc/pagetypeinfo walks the lists under zone->lock
    // (pagetypeinfo_showfree_print()); a count per list lets a run sample the same figures without taking the lock.
    private readonly long[] _nrFreeByType;

    private PaddedSpinLock _lock;

    // Written under zone->lock, read without it (zone_page_state() and READ_ONCE readers).
    private long _nrFreePages;
    private long _nrFreeCmaPages;
    private long _nrFreeHighatomic;
    private long _nrReservedHighatomic;
    private long _watermarkBoost;

    private int _flags; // ZoneFlags, set and cleared atomically
    private Watermarks _watermarks;
    private WorkTally _work; // guarded by zone->lock

    // The execution seam, for lockdep checks and page checks; null when the execution checks nothing (the OS-thread hot path).
    private IZoneSeam? _seam = Unattached;

    public Zone(int presentPages, long managedPages, Watermarks watermarks, int startPfn = 0, string name = "Normal")
    {
        if (presentPages <= 0 || presentPages % PageAlloc.PageblockNrPages != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(presentPages), presentPages,
                $"a zone is a whole number of pageblocks ({PageAlloc.PageblockNrPages} pages each)");
        }

        if (managedPages <= 0 || managedPages > presentPages)
        {
            throw new ArgumentOutOfRangeException(nameof(managedPages), managedPages, $"managed pages must be in 1..{presentPages}");
        }

        if (startPfn < 0 || startPfn % PageAlloc.MaxOrderNrPages != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(startPfn), startPfn,
                $"the zone start pfn must be aligned to MAX_ORDER_NR_PAGES ({PageAlloc.MaxOrderNrPages})");
        }

        PresentPages = presentPages;
        ManagedPages = managedPages;
        StartPfn = startPfn;
        Name = name;
        Pages = new Page[presentPages];
        Blocks = new Pageblock[presentPages / PageAlloc.PageblockNrPages];
        _freeList = new ListHead[PageAlloc.NrPageOrders * MigrateTypes.Count];
        _nrFree = new long[PageAlloc.NrPageOrders];
        _nrFreeByType = new long[PageAlloc.NrPageOrders * MigrateTypes.Count];
        _watermarks = watermarks;
        _lock.Value = new EmuSpinLock(LockClass.Zone, 0);
    }

    public string Name { get; }

    /// <summary>The page metadata, indexed by zone-relative pfn.</summary>
    public Page[] Pages { get; }

    /// <summary>Per-pageblock data, indexed by zone-relative pfn &gt;&gt; pageblock_order.</summary>
    public Pageblock[] Blocks { get; }

    /// <summary>The absolute pfn of the zone's first page.</summary>
    public int StartPfn { get; }

    /// <summary>present_pages (= spanned: the zone has no holes).</summary>
    public int PresentPages { get; }

    /// <summary>zone_managed_pages(): present minus reserved.</summary>
    public long ManagedPages { get; }

    public int NrPageblocks => Blocks.Length;

    /// <summary>zone->lock.</summary>
    public ref EmuSpinLock Lock => ref _lock.Value;

    /// <summary>
    /// Whether the zone runs lockdep's checks (zone->lock held by the current CPU in every function that needs it) and
    /// check_new_page()'s (a page handed out or taken off a free list is in the state that list implies), as a kernel
    /// with CONFIG_PROVE_LOCKING and CONFIG_DEBUG_VM does. True until an allocator over an execution that checks
    /// nothing attaches (<see cref="AttachSeam"/>).
    /// </summary>
    public bool Checked => _seam != null;

    /// <summary>
    /// The work done under zone->lock so far (free-list operations, merge steps, pages walked), for the virtual-time
    /// engine, which charges time for it. Guarded by zone->lock; only ever grows.
    /// </summary>
    public ref readonly WorkTally Work => ref _work;

    /// <summary>Fallback events (trace_mm_page_alloc_extfrag), guarded by zone->lock.</summary>
    public ZoneEventCounters Events { get; } = new();

    /// <summary>NR_FREE_PAGES: free pages on every list but ISOLATE. A racy read, like zone_page_state().</summary>
    public long NrFreePages => Volatile.Read(ref _nrFreePages);

    /// <summary>NR_FREE_CMA_PAGES.</summary>
    public long NrFreeCmaPages => Volatile.Read(ref _nrFreeCmaPages);

    /// <summary>zone->nr_free_highatomic: free pages on HIGHATOMIC lists.</summary>
    public long NrFreeHighatomic => Volatile.Read(ref _nrFreeHighatomic);

    /// <summary>zone->nr_reserved_highatomic: pages in HIGHATOMIC pageblocks.</summary>
    public long NrReservedHighatomic => Volatile.Read(ref _nrReservedHighatomic);

    /// <summary>zone->watermark_boost.</summary>
    public long WatermarkBoost => Volatile.Read(ref _watermarkBoost);

    /// <summary>zone->_watermark[], without the boost.</summary>
    public Watermarks Watermarks => _watermarks;

    /// <summary>Pages the zone holds back for PG_reserved (present - managed).</summary>
    public long ReservedPages => PresentPages - ManagedPages;

    /// <summary>free_area[order].nr_free. Racy outside zone->lock.</summary>
    public long NrFree(int order) => Volatile.Read(ref _nrFree[order]);

    /// <summary>Chunks on free_area[order].free_list[mt] (a /proc/pagetypeinfo cell). Racy outside zone->lock.</summary>
    public long NrFree(int order, MigrateType mt) => Volatile.Read(ref _nrFreeByType[order * MigrateTypes.Count + (int)mt]);

    /// <summary>A free list's head. Racy outside zone->lock.</summary>
    public ref ListHead FreeList(int order, MigrateType mt) => ref _freeList[order * MigrateTypes.Count + (int)mt];

    /// <summary>free_area_empty(). Racy outside zone->lock, as in the kernel's watermark check.</summary>
    public bool FreeAreaEmpty(int order, MigrateType mt) => Volatile.Read(ref _freeList[order * MigrateTypes.Count + (int)mt].FirstLink) == 0;

    public int BlockIndex(int pfn) => pfn >> PageAlloc.PageblockOrder;

    /// <summary>get_pfnblock_migratetype(): a racy read of the block's type.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public MigrateType GetPageblockMigratetype(int pfn)
    {
        return Pageblock.MigrateTypeOf(Volatile.Read(ref Blocks[pfn >> PageAlloc.PageblockOrder].Word));
    }

    /// <summary>set_pageblock_migratetype(), under zone->lock. Keeps the owner bits that share the word.</summary>
    public void SetPageblockMigratetype(int pfn, MigrateType mt)
    {
        AssertLocked();
        ref var word = ref Blocks[pfn >> PageAlloc.PageblockOrder].Word;
        while (true)
        {
            var old = Volatile.Read(ref word);
            var updated = (old & ~0xFF) | (int)mt;
            // Reserves the word against a concurrent owner update by the pageblock design.
            if (Interlocked.CompareExchange(ref word, updated, old) == old)
            {
                return;
            }
        }
    }

    public bool TestFlag(ZoneFlags flag) => (Volatile.Read(ref _flags) & (int)flag) != 0;

    public void SetFlag(ZoneFlags flag) => Interlocked.Or(ref _flags, (int)flag);

    public void ClearFlag(ZoneFlags flag) => Interlocked.And(ref _flags, ~(int)flag);

    /// <summary>Replaces the watermarks (setup_per_zone_wmarks()). Resets the boost, as the kernel does.</summary>
    public void SetWatermarks(Watermarks watermarks)
    {
        _watermarks = watermarks;
        Volatile.Write(ref _watermarkBoost, 0);
    }

    /// <summary>
    /// kswapd clears the boost once the zone is balanced (balance_pgdat()), under zone->lock: boosts are
    /// read-modify-writes under the lock, and a reset outside it could be lost to one in flight.
    /// </summary>
    public void ResetWatermarkBoost()
    {
        AssertLocked();
        Volatile.Write(ref _watermarkBoost, 0);
    }

    /// <summary>The absolute pfn of a zone-relative one.</summary>
    public long AbsolutePfn(int pfn) => (long)StartPfn + pfn;

    /// <summary>The zone-relative pfn of an absolute one, or -1 if it is outside the zone.</summary>
    public int RelativePfn(long absolutePfn)
    {
        var rel = absolutePfn - StartPfn;
        return rel >= 0 && rel < PresentPages ? (int)rel : -1;
    }

    /// <summary>
    /// Connects the zone to the execution an allocator runs it on: its lockdep and page checks go through
    /// <paramref name="seam"/> from now on, or are off when it is null. A zone no allocator has attached to runs
    /// on no CPU (being built, or in a rule test of the zone alone): its checks ask only that somebody holds zone->lock.
    /// </summary>
    public void AttachSeam(IZoneSeam? seam) => _seam = seam;

    /// <summary>lockdep_assert_held(&amp;zone->lock): the current CPU holds it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void AssertLocked([CallerMemberName] string caller = "")
    {
        _seam?.AssertHeld(ref _lock.Value, caller);
    }

    /// <summary>The checks of a zone that runs on no CPU yet: somebody holds the lock; no scheduling points.</summary>
    private sealed class UnattachedSeam : IZoneSeam
    {
        public void AssertHeld(ref EmuSpinLock l, string where)
        {
            if (l.State == 0)
            {
                throw new LockdepException(LockdepReports.NotHeld(l, -1, where));
            }
        }

        public void SharedRead(SharedLocation location, AccessSite site)
        {
        }

        public void SharedWrite(SharedLocation location, AccessSite site)
        {
        }
    }
}
