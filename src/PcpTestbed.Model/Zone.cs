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

    // Written under zone->lock, each write after a point (account_freepages:vm_stat and its kin), read without it
    // (zone_page_state() and READ_ONCE readers) in the step of a point the reader made.
    private long _nrFreePages;
    private long _nrFreeCmaPages;
    private long _nrFreeHighatomic;
    private long _nrReservedHighatomic;
    private long _nrReservedHighatomicPeak; // under zone->lock: see NrReservedHighatomicPeak
    private long _watermarkBoost;

    private int _flags; // ZoneFlags, set and cleared atomically through the seam (set_bit(), clear_bit()), read with test_bit()
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

    // The counter getters below are racy reads with no point of their own: the allocator calls them under zone->lock,
    // or in the step of a read point it made just before (zone_watermark_fast:vm_stat, should_reclaim_retry:vm_stat,
    // ...); statistics, tests and the auditor at quiescent points read them freely.

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

    /// <summary>
    /// get_pfnblock_migratetype() with zone->lock held (every writer holds it), or by an observer at a quiescent point.
    /// A reader without the lock passes its site (<see cref="GetPageblockMigratetype(int, AccessSite)"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public MigrateType GetPageblockMigratetype(int pfn) => Pageblock.MigrateTypeOf(Blocks[pfn >> PageAlloc.PageblockOrder].Word);

    /// <summary>get_pfnblock_migratetype() without zone->lock: a racy read (READ_ONCE), a scheduling point at <paramref name="site"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public MigrateType GetPageblockMigratetype(int pfn, AccessSite site) =>
        Pageblock.MigrateTypeOf(_seam.ReadOnce(ref Blocks[pfn >> PageAlloc.PageblockOrder].Word, SharedLocation.PageblockOf(pfn), site));

    /// <summary>
    /// set_pageblock_migratetype(), under zone->lock. Keeps the owner bits that share the word. The kernel's
    /// set_pfnblock_flags_mask() loops on cmpxchg because a bitmap word holds the bits of several pageblocks and
    /// compaction sets its skip bit without zone->lock; here a word holds one block's type and owner, both written under
    /// zone->lock only, so a WRITE_ONCE publishes it to the free path's racy readers.
    /// </summary>
    public void SetPageblockMigratetype(int pfn, MigrateType mt)
    {
        AssertLocked();
        ref var word = ref Blocks[pfn >> PageAlloc.PageblockOrder].Word;
        _seam.WriteOnce(ref word, (word & ~0xFF) | (int)mt, SharedLocation.PageblockOf(pfn), AccessSite.SetPageblockMigratetype);
    }

    /// <summary>test_bit() for an observer: statistics, tests, an audit at a quiescent point. The allocator passes its site.</summary>
    public bool TestFlag(ZoneFlags flag) => (Volatile.Read(ref _flags) & (int)flag) != 0;

    /// <summary>test_bit() on zone->flags by the allocator: a racy read, a scheduling point at <paramref name="site"/>.</summary>
    public bool TestFlag(ZoneFlags flag, AccessSite site) => (_seam.ReadOnce(ref _flags, SharedLocation.ZoneFlags, site) & (int)flag) != 0;

    /// <summary>set_bit() on zone->flags: atomic, a scheduling point at <paramref name="site"/> (by default kswapd's, the reclaim model's).</summary>
    public void SetFlag(ZoneFlags flag, AccessSite site = AccessSite.KswapdZoneFlags) =>
        _seam.SetBits(ref _flags, (int)flag, SharedLocation.ZoneFlags, site);

    /// <summary>clear_bit() on zone->flags: atomic, a scheduling point at <paramref name="site"/> (by default kswapd's).</summary>
    public void ClearFlag(ZoneFlags flag, AccessSite site = AccessSite.KswapdZoneFlags) =>
        _seam.ClearBits(ref _flags, (int)flag, SharedLocation.ZoneFlags, site);

    /// <summary>
    /// Replaces the watermarks (setup_per_zone_wmarks()). Resets the boost, as the kernel does. Set-up only (tools and
    /// tests, before any CPU runs): plain writes.
    /// </summary>
    public void SetWatermarks(Watermarks watermarks)
    {
        _watermarks = watermarks;
        _watermarkBoost = 0;
    }

    /// <summary>
    /// kswapd clears the boost once the zone is balanced (balance_pgdat()), under zone->lock: boosts are
    /// read-modify-writes under the lock, and a reset outside it could be lost to one in flight.
    /// </summary>
    public void ResetWatermarkBoost()
    {
        AssertLocked();
        _seam.WriteOnce(ref _watermarkBoost, 0, SharedLocation.ZoneWatermarkBoost, AccessSite.KswapdBoostReset);
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
