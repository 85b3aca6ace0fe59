using PcpTestbed.Designs;
using PcpTestbed.Execution.Clocks;
using PcpTestbed.Model;
using PcpTestbed.Workloads.Support;

namespace PcpTestbed.Workloads.Faults;

/// <summary>
/// The coordinator's side of fault injection: CPU hotplug (take a CPU offline, run page_alloc_cpu_dead()
/// on a surviving CPU, bring it back later) and zone exhaustion (a memory hog on one CPU). Drain storms
/// and hold delays act inside the CPUs and the locks. Only the coordinator thread calls it. Times are ns on the run's
/// clock (<see cref="IEngineClock.ElapsedNs"/>).
/// </summary>
internal sealed class FaultInjector
{
    private static readonly TimeSpan HogHold = TimeSpan.FromMilliseconds(50);

    private readonly FaultOptions _options;
    private readonly IFaultCpus _cpus;
    private readonly IPageAllocator _allocator;
    private readonly int _workloadCpus;
    private readonly CpuRandom _random;
    private readonly bool[] _offline;
    private readonly long[] _onlineAt;
    private readonly List<HeldChunk> _hog = [];
    private long _nextHotplug;
    private long _nextExhaustion;
    private long _hogReleaseAt;

    public FaultInjector(FaultOptions options, IFaultCpus cpus, IPageAllocator allocator, int workloadCpus, long seed, IEngineClock clock)
    {
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
    }

    public long Offlines { get; private set; }

    public long Onlines { get; private set; }

    public long Exhaustions { get; private set; }

    /// <summary>Pages the memory hog took before the zone ran out, summed over exhaustions.</summary>
    public long HogPages { get; private set; }

    /// <summary>Pages the hog holds now (part of the census).</summary>
    public long HeldPages => _hog.Sum(c => c.Pages);

    /// <summary>When the next fault falls due (ns on the run's clock): the coordinator wakes for it, so a short
    /// <see cref="FaultOptions.HotplugInterval"/> is kept rather than stretched to its other wake-ups.</summary>
    public long NextDueNs
    {
        get
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
        // Quick events first: CPUs due back online, a hog due to let go.
        if (_options.CpuHotplug)
        {
            BringBackDue(now);
        }

        if (_options.Exhaustion && _hog.Count > 0 && now >= _hogReleaseAt)
        {
            ReleaseHog();
        }

        // Then one slow event per tick, so that audits run between them. With many CPU threads on few cores each
        // takes a while and both kinds are due at every tick: then the kind that has happened less often goes
        // first (the most overdue on a tie), so neither starves the other however slow the host is.
        var hotplugDue = _options.CpuHotplug && now >= _nextHotplug;
        var hogDue = _options.Exhaustion && _hog.Count == 0 && now >= _nextExhaustion;
        var hotplugFirst = Offlines != Exhaustions ? Offlines < Exhaustions : _nextHotplug <= _nextExhaustion;
        if (hotplugDue && (!hogDue || hotplugFirst))
        {
            TakeOneOffline(now);
            _nextHotplug = now + Jitter(_options.HotplugInterval);
        }
        else if (hogDue)
        {
            Hog(now);
            _nextExhaustion = now + Jitter(_options.ExhaustionInterval);
        }
    }

    /// <summary>Frees what the hog holds, as some online CPU (end of run; the CPUs are stopped).</summary>
    public void ReleaseAllStopped(int cpu)
    {
        foreach (var chunk in _hog)
        {
            _allocator.Free(cpu, chunk.Pfn, chunk.Order);
        }

        _hog.Clear();
    }

    private void TakeOneOffline(long now)
    {
        var online = Enumerable.Range(0, _workloadCpus).Where(IsRunning).ToList();
        if (online.Count < 2)
        {
            return; // keep a CPU to run page_alloc_cpu_dead() and the workload
        }

        var victim = online[_random.Next(online.Count)];
        var survivor = online.Where(c => c != victim).ElementAt(_random.Next(online.Count - 1));
        _cpus.TakeOffline(victim);
        if (!_cpus.Run(survivor, $"page_alloc_cpu_dead(CPU {victim})", cpu => _allocator.CpuDead(victim, cpu)))
        {
            // The survivor has left its body: the run is ending. The victim never died as far as the allocator
            // knows, so it is simply let go again.
            _cpus.BringOnline(victim);
            return;
        }

        _offline[victim] = true;
        _onlineAt[victim] = now + Jitter(_options.HotplugInterval);
        Offlines++;
    }

    private void BringBackDue(long now)
    {
        for (var cpu = 0; cpu < _workloadCpus; cpu++)
        {
            if (_offline[cpu] && now >= _onlineAt[cpu])
            {
                // The CPU is parked: its PCP can be set up before it runs again.
                _allocator.CpuOnline(cpu);
                _cpus.BringOnline(cpu);
                _offline[cpu] = false;
                Onlines++;
            }
        }
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
