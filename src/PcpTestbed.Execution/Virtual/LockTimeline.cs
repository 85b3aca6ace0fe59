using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Virtual;

/// <summary>
/// The holds of one lock in virtual time that can still matter: a ring of <see cref="HoldRecord"/>s in the order they
/// were recorded, which is also their order in virtual time (holds are appended after the last one, never between).
/// Holds released before the earliest time any CPU can still ask for the lock are pruned, so the ring holds at most
/// the holds of each CPU's latest step: a constant per CPU.
/// </summary>
internal sealed class LockTimeline
{
    private HoldRecord[] _ring = new HoldRecord[4];
    private int _head;
    private int _count;

    /// <summary>When the newest recorded hold ends: no new hold may start before it (0 before any hold).</summary>
    public long FreeAtPs { get; private set; }

    public int Count => _count;

    /// <summary>The <paramref name="i"/>th live hold, oldest first.</summary>
    public ref readonly HoldRecord At(int i) => ref _ring[(_head + i) & (_ring.Length - 1)];

    /// <summary>Drops the holds released at or before <paramref name="beforePs"/>: no request can come that early any more.</summary>
    public void Prune(long beforePs)
    {
        while (_count > 0 && _ring[_head].ReleasePs <= beforePs)
        {
            _head = (_head + 1) & (_ring.Length - 1);
            _count--;
        }
    }

    /// <summary>Records a hold after every recorded one.</summary>
    public void Append(in HoldRecord hold)
    {
        if (hold.BusyPs < FreeAtPs || hold.ReleasePs < hold.BusyPs)
        {
            throw new InvalidOperationException(
                $"virtual-time engine: a hold [{hold.BusyPs}, {hold.ReleasePs}) ps would overlap the lock's last hold, which ends at {FreeAtPs} ps");
        }

        if (_count == _ring.Length)
        {
            Grow();
        }

        _ring[(_head + _count) & (_ring.Length - 1)] = hold;
        _count++;
        FreeAtPs = hold.ReleasePs;
    }

    /// <summary>The live hold during which the lock is busy at <paramref name="tPs"/>, or -1 when it is free then.</summary>
    public int HoldAt(long tPs)
    {
        // The last hold that became busy at or before t is the only candidate: holds are disjoint and ordered.
        int lo = 0, hi = _count - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (At(mid).BusyPs <= tPs)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return found >= 0 && tPs < At(found).ReleasePs ? found : -1;
    }

    /// <summary>
    /// The site a CPU asking at <paramref name="tPs"/> waits behind: the hold busy then, else the next one
    /// (lock_stat's contending point).
    /// </summary>
    public LockSite SiteInTheWay(long tPs)
    {
        var i = HoldAt(tPs);
        if (i >= 0)
        {
            return At(i).Site;
        }

        for (var j = 0; j < _count; j++)
        {
            if (At(j).BusyPs > tPs)
            {
                return At(j).Site;
            }
        }

        return At(_count - 1).Site;
    }

    /// <summary>
    /// When a spin_lock() asked for at <paramref name="tPs"/> would be granted if the lock went to waiters strictly in
    /// order of arrival (qspinlock): when the last recorded hold that was asked for at or before it ends, or at once
    /// if there is none; holds asked for later would have queued behind this request. <paramref name="overtaken"/>
    /// says whether any was asked for later, that is whether the engine's grant at <see cref="FreeAtPs"/> (after every
    /// recorded hold) differs from arrival order.
    /// </summary>
    public long FifoGrantPs(long tPs, out bool overtaken)
    {
        var grant = tPs;
        overtaken = false;

        // Holds are ordered by release too: only the newest ones, which end after t, can be in the way.
        for (var j = _count - 1; j >= 0 && At(j).ReleasePs > tPs; j--)
        {
            ref readonly var h = ref At(j);
            if (h.RequestPs > tPs)
            {
                overtaken = true;
            }
            else if (h.ReleasePs > grant)
            {
                grant = h.ReleasePs;
            }
        }

        return grant;
    }

    private void Grow()
    {
        var bigger = new HoldRecord[_ring.Length * 2];
        for (var i = 0; i < _count; i++)
        {
            bigger[i] = At(i);
        }

        _ring = bigger;
        _head = 0;
    }
}
