using PcpTestbed.Execution.Cpus;
using PcpTestbed.Execution.Locking;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Tests;

/// <summary>
/// A machine of emulated CPUs with a zone->lock and one pcp->lock per CPU, an activity table the execution writes, and
/// a watchdog that reads both, for tests that make CPUs hang on purpose. The quiescence timeout is short, so a hang is
/// reported quickly; the lock wait timeout is longer, so spinning CPUs give up (and the test ends) after the report.
/// </summary>
internal sealed class HangRig : IDisposable
{
    public static readonly TimeSpan Generous = TimeSpan.FromSeconds(20);

    public static readonly TimeSpan Threshold = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan LockWaitTimeout = TimeSpan.FromSeconds(3);

    private readonly PaddedSpinLock[] _locks;
    private readonly List<StuckCpuReport> _reported = [];

    public HangRig(int cpus, string label = "test")
    {
        _locks = new PaddedSpinLock[1 + cpus];
        _locks[0].Value = new EmuSpinLock(LockClass.Zone, 0);
        for (var cpu = 0; cpu < cpus; cpu++)
        {
            _locks[1 + cpu].Value = new EmuSpinLock(LockClass.Pcp, cpu);
        }

        Activity = new CpuActivityTable(cpus);
        Exec = new OsExecution<NoLockProbe>(default, Activity, LockWaitTimeout);
        Machine = new CpuMachine(new CpuMachineOptions(cpus, QuiescenceTimeout: Threshold)
        {
            Watchdog = new CpuWatchdog(cpus, Activity, Words, label),
            OnStuck = r =>
            {
                lock (_reported)
                {
                    _reported.Add(r);
                }
            },
        });
    }

    public CpuActivityTable Activity { get; }

    public OsExecution<NoLockProbe> Exec { get; }

    public CpuMachine Machine { get; }

    /// <summary>Reports handed to OnStuck, in order.</summary>
    public IReadOnlyList<StuckCpuReport> Reported
    {
        get
        {
            lock (_reported)
            {
                return [.. _reported];
            }
        }
    }

    public ref EmuSpinLock Zone => ref _locks[0].Value;

    public ref EmuSpinLock Pcp(int cpu) => ref _locks[1 + cpu].Value;

    /// <summary>Racy copies of every lock word, as an allocator hands them to the watchdog.</summary>
    public IReadOnlyList<EmuSpinLock> Words() => [.. _locks.Select(l => l.Value)];

    /// <summary>Bounded polling for a condition the CPUs make true.</summary>
    public static void Eventually(Func<bool> condition, string what) =>
        Assert.True(SpinWait.SpinUntil(condition, Generous), $"timed out waiting until {what}");

    /// <summary>Waits until <paramref name="cpu"/> spins in spin_lock()'s slow path.</summary>
    public void UntilSpinning(int cpu) => Eventually(() => Activity.Read(cpu).Wait != null, $"CPU {cpu} spins on a lock");

    /// <summary>
    /// Starts the CPUs looping over quiescent points, <paramref name="blocked"/> blocking in its first step, outside
    /// any allocator call, until <paramref name="release"/> is set; returns once it is blocked.
    /// </summary>
    public void StartWithCpuBlockedInItsStep(int blocked, ManualResetEventSlim release)
    {
        var inStep = new int[1];
        Machine.Start(
            cpu =>
            {
                while (cpu.QuiescentPoint())
                {
                    if (cpu.Id == blocked && !release.IsSet)
                    {
                        // Publishes that the CPU is about to block.
                        Volatile.Write(ref inStep[0], 1);
                        release.Wait(Generous);
                    }
                }
            },
            RunLimit.UntilStopped);
        Eventually(() => Volatile.Read(ref inStep[0]) == 1, $"CPU {blocked} began its step");
    }

    /// <summary>A stop-the-world that must run out, and its exception.</summary>
    public QuiescenceTimeoutException StopTheWorldFails() =>
        Assert.Throws<QuiescenceTimeoutException>(() => Machine.StopTheWorld(() => Assert.Fail("every CPU parked, yet one was meant to hang")));

    public void Dispose() => Machine.Dispose();
}
