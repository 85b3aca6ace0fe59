using System.Diagnostics;
using PcpTestbed.Designs;
using PcpTestbed.Execution.Clocks;
using PcpTestbed.Model;
using PcpTestbed.Workloads.Support;

namespace PcpTestbed.Workloads.Faults;

/// <summary>
/// The coordinator's side of fault injection: CPU hotplug (take a CPU offline, run page_alloc_cpu_dead()
/// on a surviving CPU, bring it back later) and zone exhaustion (a memory hog on one CPU). Drain storms
/// and hold delays act inside the CPUs and the locks. The coordinator calls <see cref="Tick"/>; on threads a workload CPU
/// drives hotplug itself between its operations (<see cref="TryHotplug"/>), as the kernel's hotplug control task runs on
/// a surviving CPU, so a death costs one handoff (the victim parking) rather than three wake-ups of the coordinator.
/// One caller at a time holds <see cref="_lock"/>. Times are ns on the run's clock (<see cref="IEngineClock.ElapsedNs"/>).
/// </summary>
internal sealed class FaultInjector
{
    private static readonly TimeSpan HogHold = TimeSpan.FromMilliseconds(50);

    /// <summary>Guards the hotplug fields below it (the coordinator takes it, a CPU only tries it); the exhaustion fields are the coordinator's own.</summary>
    private readonly object _lock = new();

    /// <summary>Hotplug is driven by the workload CPUs (<see cref="TryHotplug"/>), not by <see cref="Tick"/>.</summary>
    private readonly bool _hotplugOnCpus;

    private readonly FaultOptions _options;
    private readonly IFaultCpus _cpus;
    private readonly IPageAllocator _allocator;
    private readonly IEngineClock _clock;
    private readonly int _workloadCpus;
    private readonly CpuRandom _random;
    private readonly bool[] _offline;
    private readonly long[] _onlineAt;
    private readonly List<HeldChunk> _hog = [];
    private long _nextHotplug;
    private long _nextExhaustion;
    private long _hogReleaseAt;

    /// <summary>When the next hotplug event falls due: written under <see cref="_lock"/>, read by every CPU between operations without it.</summary>
    private long _hotplugDue = long.MaxValue;

    private long _offlines;
    private long _onlines;

    public FaultInjector(FaultOptions options, IFaultCpus cpus, IPageAllocator allocator, int workloadCpus, long seed, IEngineClock clock,
        bool hotplugOnCpus = false)
    {
        _hotplugOnCpus = hotplugOnCpus;
        _clock = clock;
        _options = options;
        _cpus = cpus;
        _allocator = allocator;
        _workloadCpus = workloadCpus;
        _random = new CpuRandom(seed, -1);
        _offline = new bool[workloadCpus];
        _onlineAt = new long[workloadCpus];
        var now = clock.ElapsedNs;
        _nextHotplug = now + Jitter(options.HotplugInterval);
        _nextExhaustion = now + Jitter(options.ExhaustionInterval);
        UpdateHotplugDue();
    }

    /// <summary>CPU deaths so far (a racy read while the run goes on).</summary>
    public long Offlines => Volatile.Read(ref _offlines);

    public long Onlines => Volatile.Read(ref _onlines);

    public long Exhaustions { get; private set; }

    /// <summary>Pages the memory hog took before the zone ran out, summed over exhaustions.</summary>
    public long HogPages { get; private set; }

    /// <summary>Pages the hog holds now (part of the census).</summary>
    public long HeldPages => _hog.Sum(c => c.Pages);

    /// <summary>When the next fault falls due (ns on the run's clock): the coordinator wakes for it, so a short
    /// <see cref="FaultOptions.HotplugInterval"/> is kept rather than stretched to its other wake-ups.</summary>
    /// <remarks>No lock: the coordinator, its only caller, is the only writer of the exhaustion fields, and reads the hotplug due
    /// time only when it injects hotplug itself (so it never waits behind a CPU's hotplug handoff).</remarks>
    public long NextDueNs
    {
        get
        {
            var next = _hotplugOnCpus ? long.MaxValue : Volatile.Read(ref _hotplugDue);
            if (_options.Exhaustion)
            {
                next = Math.Min(next, _hog.Count > 0 ? _hogReleaseAt : _nextExhaustion);
            }

            return next;
        }
    }

    /// <summary>Injects whatever is due at <paramref name="now"/> (ns on the run's clock).</summary>
    public void Tick(long now)
    {
        lock (_lock)
        {
            TickLocked(now);
        }
    }

    /// <summary>
    /// Called by workload CPU <paramref name="cpu"/> between its operations, holding no lock, when hotplug runs on the CPUs:
    /// if a hotplug event is due and no other caller is injecting, this CPU brings back the CPUs due online and takes one
    /// offline, running page_alloc_cpu_online() and page_alloc_cpu_dead() itself, as the CPU the kernel's hotplug control
    /// task (cpuhp's bringup or teardown of the PREPARE states, on a CPU other than the one going down) runs on.
    /// </summary>
    /// <remarks>
    /// The cost per call while nothing is due: a volatile read of the due time, then a read of the run's clock (on threads
    /// one <see cref="Stopwatch"/> read) to compare with it. While hotplug runs a due time is always set (the next death,
    /// <see cref="UpdateHotplugDue"/>), so the clock is read at every call; only with no due time at all is it skipped.
    /// Reading the due time before the clock decides nothing early: a due time another CPU moves on meanwhile costs at
    /// most a lock attempt, and everything is checked again under the lock.
    /// </remarks>
    public void TryHotplug(int cpu)
    {
        Debug.Assert(_hotplugOnCpus, "hotplug runs on the coordinator");
        var due = Volatile.Read(ref _hotplugDue);
        if (due == long.MaxValue)
        {
            return;
        }

        var now = _clock.NowNs(cpu);
        if (now < due || !Monitor.TryEnter(_lock))
        {
            return;
        }

        try
        {
            BringBackDue(now, cpu);

            // The caller is running its body, so it is online: its flag was cleared under the lock before it ran again.
            Debug.Assert(!_offline[cpu], $"CPU {cpu} drives hotplug while marked offline");
            if (now >= _nextHotplug)
            {
                TakeOneOffline(now, cpu);
                _nextHotplug = now + Jitter(_options.HotplugInterval);
            }

            UpdateHotplugDue();
        }
        finally
        {
            Monitor.Exit(_lock);
        }
    }

    private void TickLocked(long now)
    {
        // Quick events first: CPUs due back online, a hog due to let go.
        var hotplug = _options.CpuHotplug && !_hotplugOnCpus;
        if (hotplug)
        {
            BringBackDue(now, driver: null);
        }

        if (_options.Exhaustion && _hog.Count > 0 && now >= _hogReleaseAt)
        {
            ReleaseHog();
        }

        // Then one slow event per tick, so that audits run between them. With many CPU threads on few cores each
        // takes a while and both kinds are due at every tick: then the kind that has happened less often goes
        // first (the most overdue on a tie), so neither starves the other however slow the host is.
        var hotplugDue = hotplug && now >= _nextHotplug;
        var hogDue = _options.Exhaustion && _hog.Count == 0 && now >= _nextExhaustion;
        var hotplugFirst = Offlines != Exhaustions ? Offlines < Exhaustions : _nextHotplug <= _nextExhaustion;
        if (hotplugDue && (!hogDue || hotplugFirst))
        {
            TakeOneOffline(now, driver: null);
            _nextHotplug = now + Jitter(_options.HotplugInterval);
        }
        else if (hogDue)
        {
            Hog(now);
            _nextExhaustion = now + Jitter(_options.ExhaustionInterval);
        }

        if (hotplug)
        {
            UpdateHotplugDue();
        }
    }

    /// <summary>Frees what the hog holds, as some online CPU (end of run; the CPUs are stopped).</summary>
    public void ReleaseAllStopped(int cpu)
    {
        lock (_lock)
        {
            ReleaseAllStoppedLocked(cpu);
        }
    }

    private void ReleaseAllStoppedLocked(int cpu)
    {
        foreach (var chunk in _hog)
        {
            _allocator.Free(cpu, chunk.Pfn, chunk.Order);
        }

        _hog.Clear();
    }

    /// <summary>
    /// Kills a random online CPU: it parks at its next quiescent point (it stops running tasks), then a surviving CPU runs
    /// page_alloc_cpu_dead() for it: <paramref name="driver"/>, the calling CPU, when hotplug runs on the CPUs, else a
    /// random one sent the work.
    /// </summary>
    private void TakeOneOffline(long now, int? driver)
    {
        var online = Enumerable.Range(0, _workloadCpus).Where(IsRunning).ToList();
        if (online.Count < 2)
        {
            return; // keep a CPU to run page_alloc_cpu_dead() and the workload
        }

        var candidates = driver is { } self ? online.Where(c => c != self).ToList() : online;
        var victim = candidates[_random.Next(candidates.Count)];
        var survivor = driver ?? online.Where(c => c != victim).ElementAt(_random.Next(online.Count - 1));
        _cpus.TakeOffline(victim);
        if (driver is not null)
        {
            _allocator.CpuDead(victim, survivor);
        }
        else if (!_cpus.Run(survivor, $"page_alloc_cpu_dead(CPU {victim})", cpu => _allocator.CpuDead(victim, cpu)))
        {
            // The survivor has left its body: the run is ending. The victim never died as far as the allocator
            // knows, so it is simply let go again.
            _cpus.BringOnline(victim);
            return;
        }

        _offline[victim] = true;
        _onlineAt[victim] = now + Jitter(_options.HotplugInterval);
        Volatile.Write(ref _offlines, _offlines + 1);
    }

    /// <summary>
    /// Brings back the CPUs due online: page_alloc_cpu_online() runs before the CPU runs again, on <paramref name="driver"/>
    /// when hotplug runs on the CPUs (cpuhp's PREPARE states run on the control task's CPU, so the flight recorder files
    /// it there), else as the CPU itself.
    /// </summary>
    private void BringBackDue(long now, int? driver)
    {
        for (var cpu = 0; cpu < _workloadCpus; cpu++)
        {
            if (_offline[cpu] && now >= _onlineAt[cpu])
            {
                // The CPU is parked: its PCP can be set up before it runs again.
                _allocator.CpuOnline(cpu, driver ?? cpu);
                _cpus.BringOnline(cpu);
                _offline[cpu] = false;
                Volatile.Write(ref _onlines, _onlines + 1);
            }
        }
    }

    /// <summary>Publishes when the next hotplug event falls due: the next death, or the first CPU due back online.</summary>
    private void UpdateHotplugDue()
    {
        var next = long.MaxValue;
        if (_options.CpuHotplug)
        {
            next = _nextHotplug;
            for (var cpu = 0; cpu < _workloadCpus; cpu++)
            {
                if (_offline[cpu])
                {
                    next = Math.Min(next, _onlineAt[cpu]);
                }
            }
        }

        Volatile.Write(ref _hotplugDue, next);
    }

    private void Hog(long now)
    {
        var cpu = AnyOnlineCpu();
        if (cpu < 0)
        {
            return;
        }

        var ran = _cpus.Run(cpu, "memory hog: allocate until the zone is exhausted", id =>
        {
            for (long i = 0; i < _allocator.Zone.PresentPages; i++)
            {
                var result = _allocator.Allocate(id, Gfp.HighUserMovable, 0);
                if (!result.Succeeded)
                {
                    break;
                }

                _hog.Add(new HeldChunk(result.Pfn, 0));
            }
        });
        if (!ran)
        {
            return; // the CPU has left its body: the run is ending
        }

        Exhaustions++;
        HogPages += _hog.Count;
        _hogReleaseAt = now + (long)HogHold.TotalNanoseconds;
    }

    private void ReleaseHog()
    {
        var cpu = AnyOnlineCpu();
        if (cpu < 0)
        {
            return;
        }

        // If the CPU has left its body (the run is ending), the hog keeps its pages until the final release.
        _cpus.Run(cpu, "memory hog: free everything", id =>
        {
            foreach (var chunk in _hog)
            {
                _allocator.Free(id, chunk.Pfn, chunk.Order);
            }

            _hog.Clear();
        });
    }

    private int AnyOnlineCpu()
    {
        var online = Enumerable.Range(0, _workloadCpus).Where(IsRunning).ToList();
        return online.Count == 0 ? -1 : online[_random.Next(online.Count)];
    }

    /// <summary>Online and still in its body: a CPU that finished (its budget spent, or the run stopping) runs no more work.</summary>
    private bool IsRunning(int cpu) => !_offline[cpu] && !_cpus.IsFinished(cpu);

    // Uniform in [interval / 2, 3 * interval / 2), so events do not beat with the workload's own rhythms.
    private long Jitter(TimeSpan interval)
    {
        var ns = (long)interval.TotalNanoseconds;
        return ns / 2 + (long)(_random.NextU64() % (ulong)Math.Max(1, ns));
    }
}
