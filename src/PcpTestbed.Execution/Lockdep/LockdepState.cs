using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Lockdep;

/// <summary>
/// lockdep for a real-thread run: each CPU's held locks (<see cref="HeldLockStack"/>), the lock-order graph shared by
/// all CPUs (<see cref="LockOrderGraph"/>), the current CPU of each thread, and the reports. As the kernel's lockdep
/// warns and carries on, a report does not stop the run: it is counted and its text kept, and the run reports it as a
/// violation. <see cref="LockdepExecution{TExec}"/> feeds it.
/// </summary>
public sealed class LockdepState
{
    /// <summary>Distinct report texts kept; the count goes on.</summary>
    public const int KeptMessages = 20;

    [ThreadStatic]
    private static int t_cpuPlusOne;

    private readonly HeldLockStack[] _held;
    private readonly object _gate = new();
    private readonly List<string> _messages = []; // guarded by _gate
    private long _reports;

    public LockdepState(int cpus)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cpus, 1);
        _held = new HeldLockStack[cpus];
        for (var cpu = 0; cpu < cpus; cpu++)
        {
            _held[cpu] = new HeldLockStack();
        }
    }

    /// <summary>The emulated CPU whose entry point the calling thread runs, or -1 outside any.</summary>
    public static int CurrentCpu => t_cpuPlusOne - 1;

    public LockOrderGraph Order { get; } = new();

    public long Reports => Volatile.Read(ref _reports);

    /// <summary>The reports so far and the order graph.</summary>
    public LockdepReport Snapshot()
    {
        lock (_gate)
        {
            return new LockdepReport(Reports, [.. _messages], Order.Edges());
        }
    }

    /// <summary>Called on the reporting CPU's thread at the first report (the run's flight recorder cuts its window there).</summary>
    public Action<string>? FirstReport { get; set; }

    /// <summary>Records a report (text without the "[lockdep] " prefix).</summary>
    public void Report(string text)
    {
        var message = "[lockdep] " + text;
        if (Interlocked.Increment(ref _reports) == 1)
        {
            FirstReport?.Invoke(message);
        }

        lock (_gate)
        {
            if (_messages.Count < KeptMessages && !_messages.Contains(message))
            {
                _messages.Add(message);
            }
        }
    }

    internal static void EnterCpu(int cpu) => t_cpuPlusOne = cpu + 1;

    internal static void LeaveCpu() => t_cpuPlusOne = 0;

    /// <summary>spin_lock() is about to wait for <paramref name="l"/>: the recursion and order checks lockdep makes at acquisition.</summary>
    internal void BeforeLock(int cpu, ref EmuSpinLock l, LockSite site)
    {
        var held = _held[cpu];
        for (var i = 0; i < held.Depth; i++)
        {
            var h = held[i];
            if (h.Class == l.Class)
            {
                Report(LockdepReports.Recursive(cpu, h, l.Class, l.Instance, site));
                continue;
            }

            if (Order.Record(cpu, h, l.Class, l.Instance, site) is { } circular)
            {
                Report(circular);
            }
        }
    }

    internal void Acquired(int cpu, ref EmuSpinLock l, LockSite site)
    {
        if (!_held[cpu].TryPush(new HeldLock(l.Class, l.Instance, site)))
        {
            Report($"CPU {cpu} holds more than {HeldLockStack.Capacity} locks: {LockClasses.InstanceName(l.Class, l.Instance)} at {LockSites.KernelName(site)} is not tracked");
        }
    }

    internal void Releasing(int cpu, ref EmuSpinLock l) => _held[cpu].Remove(l.Class, l.Instance);

    /// <summary>lockdep_assert_held(): the current CPU holds <paramref name="l"/> (outside an entry point: somebody does).</summary>
    internal void AssertHeld(ref EmuSpinLock l, string where)
    {
        var cpu = CurrentCpu;
        var state = Volatile.Read(ref l.State);
        if (cpu >= 0 ? state == cpu + 1 : state != 0)
        {
            return;
        }

        Report(LockdepReports.NotHeld(l, cpu, where));
    }

    /// <summary>An entry point returns on <paramref name="cpu"/>: it must hold no lock now.</summary>
    internal void OpEnd(int cpu)
    {
        var held = _held[cpu];
        if (held.Depth > 0)
        {
            Report(LockdepReports.HeldAtReturn(cpu, held[0], "an allocator entry point"));
        }
    }
}
