using PcpTestbed.Execution.Locking;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Virtual;

// Spin locks in virtual time: each lock's timeline of holds decides when a request is granted (see the type's remarks).
public sealed partial class VirtualMachine
{
    private readonly LockTimeline _zoneLock = new();
    private readonly LockTimeline[] _pcpLocks;
    private readonly LockCounters[] _counters = new LockCounters[LockClasses.Count];

    /// <summary>The locks the running CPU holds, innermost last. Only the running CPU can hold a lock.</summary>
    private VirtualHold[] _held = new VirtualHold[4];
    private int _heldCount;

    /// <summary>spin_lock(): granted after every recorded hold; a contention when that is later than the request.</summary>
    internal void Lock<TProbe>(ref EmuSpinLock l, int cpu, LockSite site, TProbe probe)
        where TProbe : struct, ILockProbe
    {
        if (l.State != 0)
        {
            // Only the running CPU holds locks: it asks for one it holds.
            throw new LockWaitTimeoutException(
                $"recursive locking: CPU {cpu} takes {Describe(ref l)} at {LockSites.KernelName(site)} while CPU {l.HolderCpu} holds it " +
                $"since {LockSites.KernelName(l.HoldSite)}");
        }

        if (_current < 0)
        {
            probe.Acquired(ref l, cpu, site, 0);
            Take(ref l, cpu, site);
            return;
        }

        var timeline = Enter(ref l, cpu);
        ref var counters = ref _counters[(int)l.Class];
        var t = _clockPs[cpu];
        long busy, acquired, waitStart = 0;
        if (timeline.FreeAtPs > t)
        {
            var grant = timeline.FreeAtPs;
            var fifo = timeline.FifoGrantPs(t, out var overtaken);
            if (overtaken)
            {
                counters.OutOfOrderGrants++;
                counters.OutOfOrderDelayPs += grant - fifo;
            }

            counters.Contentions++;

            // lock_stat's contending point is the site holding the lock when the wait began.
            l.HoldSite = timeline.SiteInTheWay(t);
            waitStart = probe.Contended(ref l, cpu, site);

            // The lock word stays set through the handover: queued waiters keep it busy.
            busy = grant;
            acquired = grant + _cost.LockHandoverPs + BouncePs(ref l, cpu);
        }
        else
        {
            acquired = t + _cost.LockPs + BouncePs(ref l, cpu);
            busy = acquired;
        }

        Grant(ref l, cpu, site, probe, new VirtualHold(l.Class, l.Instance, t, busy, acquired, site), waitStart);
    }

    /// <summary>spin_trylock(): fails exactly when a recorded hold is busy at this CPU's instant.</summary>
    internal bool TryLock<TProbe>(ref EmuSpinLock l, int cpu, LockSite site, TProbe probe)
        where TProbe : struct, ILockProbe
    {
        if (l.State != 0)
        {
            // Held by the running CPU itself (only it can hold a lock now).
            if (_current >= 0)
            {
                CheckRunning(cpu);
                _clockPs[cpu] += _cost.TrylockFailPs;
                _counters[(int)l.Class].TrylockFailures++;
            }

            probe.TrylockFailed(ref l, cpu, site);
            return false;
        }

        if (_current < 0)
        {
            probe.Acquired(ref l, cpu, site, 0);
            Take(ref l, cpu, site);
            return true;
        }

        var timeline = Enter(ref l, cpu);
        ref var counters = ref _counters[(int)l.Class];
        var t = _clockPs[cpu];
        var holding = timeline.HoldAt(t);
        if (holding >= 0)
        {
            // Reading the lock word fetches the line the holder wrote.
            _clockPs[cpu] = t + _cost.TrylockFailPs + _cost.TransferPs;
            counters.TrylockFailures++;
            l.HoldSite = timeline.At(holding).Site;
            probe.TrylockFailed(ref l, cpu, site);
            return false;
        }

        var from = t;
        if (timeline.FreeAtPs > t)
        {
            counters.DeferredTrylocks++;
            counters.DeferredTrylockDelayPs += timeline.FreeAtPs - t;
            from = timeline.FreeAtPs;
        }

        var acquired = from + _cost.TrylockPs + BouncePs(ref l, cpu);
        Grant(ref l, cpu, site, probe, new VirtualHold(l.Class, l.Instance, t, acquired, acquired, site), waitStart: 0);
        return true;
    }

    /// <summary>spin_unlock(): the probe sees the hold end, then the hold is recorded on the lock's timeline.</summary>
    internal void Unlock<TProbe>(ref EmuSpinLock l, int cpu, TProbe probe)
        where TProbe : struct, ILockProbe
    {
        if (l.State != cpu + 1)
        {
            throw new InvalidOperationException($"CPU {cpu} releases {Describe(ref l)} held by CPU {l.HolderCpu}");
        }

        if (_current < 0)
        {
            probe.Releasing(ref l, cpu);
            l.State = 0;
            return;
        }

        CheckRunning(cpu);
        SyncZoneWork();
        probe.Releasing(ref l, cpu);
        var release = _clockPs[cpu] + _cost.UnlockPs;
        _clockPs[cpu] = release;
        var held = PopHeld(ref l);
        Timeline(ref l).Append(new HoldRecord(held.RequestPs, held.BusyPs, release, cpu, held.Site));
        l.State = 0;
    }

    /// <summary>A timed lock operation by the running CPU begins: its pending work is charged, the lock's stale holds dropped.</summary>
    private LockTimeline Enter(ref EmuSpinLock l, int cpu)
    {
        CheckRunning(cpu);
        SyncZoneWork();
        var timeline = Timeline(ref l);
        timeline.Prune(_pruneBeforePs);
        return timeline;
    }

    /// <summary>The running CPU holds the lock from <see cref="VirtualHold.AcquiredPs"/>: the probe sees it, then the lock word.</summary>
    private void Grant<TProbe>(ref EmuSpinLock l, int cpu, LockSite site, TProbe probe, in VirtualHold held, long waitStart)
        where TProbe : struct, ILockProbe
    {
        _clockPs[cpu] = held.AcquiredPs;
        _counters[(int)l.Class].Acquisitions++;
        probe.Acquired(ref l, cpu, site, waitStart);
        Take(ref l, cpu, site);
        PushHeld(held);
    }

    private static void Take(ref EmuSpinLock l, int cpu, LockSite site)
    {
        l.State = cpu + 1;
        l.LastHolder = cpu + 1;
        l.HoldSite = site;
    }

    /// <summary>The lines that move with the lock when another CPU held it last.</summary>
    private long BouncePs(ref EmuSpinLock l, int cpu)
    {
        if (l.LastHolder == 0 || l.LastHolder == cpu + 1)
        {
            return 0;
        }

        return l.Class == LockClass.Zone ? _cost.ZoneBouncePs : _cost.PcpBouncePs;
    }

    private LockTimeline Timeline(ref EmuSpinLock l)
    {
        if (l.Class == LockClass.Zone && l.Instance == 0)
        {
            return _zoneLock;
        }

        if (l.Class == LockClass.Pcp && (uint)l.Instance < (uint)_pcpLocks.Length)
        {
            return _pcpLocks[l.Instance];
        }

        throw new InvalidOperationException(
            $"{Describe(ref l)} is not a lock of this machine: it has one zone->lock (instance 0) and a pcp->lock per CPU (0..{_pcpLocks.Length - 1})");
    }

    private void PushHeld(in VirtualHold h)
    {
        if (_heldCount == _held.Length)
        {
            Array.Resize(ref _held, _held.Length * 2);
        }

        _held[_heldCount++] = h;
    }

    private VirtualHold PopHeld(ref EmuSpinLock l)
    {
        // Usually the innermost lock; search down in case locks are released out of order.
        for (var i = _heldCount - 1; i >= 0; i--)
        {
            if (_held[i].Class == l.Class && _held[i].Instance == l.Instance)
            {
                var h = _held[i];
                Array.Copy(_held, i + 1, _held, i, _heldCount - i - 1);
                _heldCount--;
                return h;
            }
        }

        throw new InvalidOperationException($"{Describe(ref l)} is released in a step that did not take it: a lock must be taken and released in one step");
    }

    /// <summary>The pcp->lock instance the running CPU holds innermost, or -1.</summary>
    private int InnermostPcp()
    {
        for (var i = _heldCount - 1; i >= 0; i--)
        {
            if (_held[i].Class == LockClass.Pcp)
            {
                return _held[i].Instance;
            }
        }

        return -1;
    }

    private string DescribeHeld() =>
        string.Join(", ", _held.Take(_heldCount).Select(h => $"{LockClasses.Name(h.Class)}#{h.Instance} (taken at {LockSites.KernelName(h.Site)})"));

    private static string Describe(ref EmuSpinLock l) => $"{LockClasses.Name(l.Class)}#{l.Instance}";
}
