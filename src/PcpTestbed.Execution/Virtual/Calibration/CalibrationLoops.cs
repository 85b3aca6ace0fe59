using System.Diagnostics;
using System.Runtime.CompilerServices;
using PcpTestbed.Execution.Locking;
using PcpTestbed.Model;
using PcpTestbed.Model.Layout;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Virtual.Calibration;

/// <summary>
/// The tight loops <see cref="CostCalibrator"/> times, each on one thread over state it alone touches, so every line
/// stays in its cache: the uncontended costs. Each returns ns per operation for one run.
/// </summary>
internal sealed class CalibrationLoops
{
    private readonly PaddedSpinLock[] _lock = new PaddedSpinLock[2];
    private readonly OsExecution<NoLockProbe> _exec = new(default);
    private readonly Page[] _pages = new Page[64];
    private readonly ListHead[] _list = new ListHead[1];
    private readonly int[] _word = new int[CacheLine.Size / sizeof(int) * 2];

    /// <summary>One pageblock, all free: an order-9 chunk to split and merge.</summary>
    private readonly Zone _deepZone;

    /// <summary>One pageblock with its first page kept allocated, so page 1 is a free order-0 page with no free buddy.</summary>
    private readonly Zone _shallowZone;

    /// <summary>The page <see cref="_shallowZone"/> keeps allocated: the free-list loop puts it on a list and takes it off.</summary>
    private readonly int _kept;

    /// <summary>One pageblock of 512 allocated order-0 pages: a walk visits every struct page.</summary>
    private readonly Zone _scanZone;

    public CalibrationLoops()
    {
        _lock[0].Value = new EmuSpinLock(LockClass.Pcp, 0);
        _lock[1].Value = new EmuSpinLock(LockClass.Pcp, 1);

        // A lock another CPU holds, for failing trylocks.
        DirectExecution.Seize(ref _lock[1].Value, cpu: 1);
        _deepZone = OnePageblock();
        _shallowZone = OnePageblock();
        _kept = _shallowZone.RmqueueSmallest(0, MigrateType.Movable);
        _shallowZone.PrepNewPage(_kept, 0, MigrateType.Movable);
        _scanZone = OnePageblock();
        for (var i = 0; i < PageAlloc.PageblockNrPages; i++)
        {
            _scanZone.PrepNewPage(_scanZone.RmqueueSmallest(0, MigrateType.Movable), 0, MigrateType.Movable);
        }
    }

    public int Sink { get; private set; }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public double LockUnlock(int n)
    {
        ref var l = ref _lock[0].Value;
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < n; i++)
        {
            _exec.Lock(ref l, 0, LockSite.PcpDrain);
            _exec.Unlock(ref l, 0);
        }

        return PerOp(start, n);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public double TrylockUnlock(int n)
    {
        ref var l = ref _lock[0].Value;
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < n; i++)
        {
            if (_exec.TryLock(ref l, 0, LockSite.PcpAlloc))
            {
                _exec.Unlock(ref l, 0);
            }
        }

        return PerOp(start, n);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public double TrylockFail(int n)
    {
        ref var l = ref _lock[1].Value;
        var failed = 0;
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < n; i++)
        {
            if (!_exec.TryLock(ref l, 0, LockSite.PcpAlloc))
            {
                failed++;
            }
        }

        var ns = PerOp(start, n);
        Sink += failed;
        return ns;
    }

    /// <summary>spin_unlock()'s release store alone.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public double ReleaseStore(int n)
    {
        ref var state = ref _word[CacheLine.Size / sizeof(int)];
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < n; i++)
        {
            Volatile.Write(ref state, i);
        }

        return PerOp(start, n);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public double CompareExchange(int n)
    {
        ref var word = ref _word[CacheLine.Size / sizeof(int)];
        word = 0;
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < n; i++)
        {
            Interlocked.CompareExchange(ref word, i + 1, i);
        }

        return PerOp(start, n);
    }

    /// <summary>A PCP list's add at the head and remove, as a PCP hit's free and allocation do: two list operations.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public double PcpListAddRemove(int n)
    {
        ref var list = ref _list[0];
        var pages = _pages;
        for (var p = 1; p < 8; p++)
        {
            PageList.AddHead(pages, ref list, p);
        }

        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < n; i++)
        {
            PageList.AddHead(pages, ref list, 0);
            PageList.Remove(pages, ref list, 0);
        }

        var ns = PerOp(start, n);
        for (var p = 1; p < 8; p++)
        {
            PageList.Remove(pages, ref list, p);
        }

        return ns;
    }

    /// <summary>__add_to_free_list() + __del_page_from_free_list() of one page: two free-list operations, no chunk accounting.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public double ZoneListAddDel(int n)
    {
        var zone = _shallowZone;
        var pfn = _kept;
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < n; i++)
        {
            zone.AddToFreeList(pfn, 0, MigrateType.Movable, tail: false);
            zone.DelFromFreeListNoAccount(pfn, 0, MigrateType.Movable);
        }

        var ns = PerOp(start, n);
        zone.PrepNewPage(pfn, 0, MigrateType.Movable);
        return ns;
    }

    /// <summary>An order-0 page from an order-9 chunk and back: 10 free-list operations each way, and 9 merges.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public double BuddySplitMerge(int n) => BuddyPair(_deepZone, n);

    /// <summary>An order-0 page whose buddy is allocated, taken and given back: one free-list operation each way, no merge.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public double BuddyNoMerge(int n) => BuddyPair(_shallowZone, n);

    /// <summary>prep_move_freepages_block() over 512 allocated order-0 pages.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public double BlockWalk(int n)
    {
        var sum = 0;
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < n; i++)
        {
            _scanZone.PrepMoveFreepagesBlock(0, out _, out var free, out var movable);
            sum += free + movable;
        }

        var ns = PerOp(start, n);
        Sink += sum;
        return ns;
    }

    private static double BuddyPair(Zone zone, int n)
    {
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < n; i++)
        {
            var pfn = zone.RmqueueSmallest(0, MigrateType.Movable);
            zone.FreeOnePageLocked(pfn, 0);
        }

        return PerOp(start, n);
    }

    private static double PerOp(long start, int n) => Stopwatch.GetElapsedTime(start).TotalNanoseconds / n;

    /// <summary>A one-pageblock zone, all free, with lockdep off: the loops call the buddy functions without zone->lock, alone.</summary>
    private static Zone OnePageblock()
    {
        var zone = ZoneBuilder.Build(ZoneSpec.OfBytes(PageAlloc.PageblockNrPages * 4096L));
        zone.AttachSeam(null);
        return zone;
    }
}
