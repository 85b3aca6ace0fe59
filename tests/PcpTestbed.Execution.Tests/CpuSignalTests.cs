using PcpTestbed.Execution.Cpus;

namespace PcpTestbed.Execution.Tests;

/// <summary>
/// Signals ride in a CPU's control word beside the machine's requests: raised by any thread, taken once by the CPU at
/// its next quiescent point that takes signals, kept pending by one that does not, and kept across a park.
/// </summary>
public class CpuSignalTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(20);

    [Fact]
    public void A_signal_is_taken_once_at_the_next_quiescent_point_of_the_cpu_it_was_raised_on()
    {
        using var m = new CpuMachine(new CpuMachineOptions(CpuCount: 2));
        var taken = new int[2];
        var gate = new ManualResetEventSlim(false);
        m.Start(
            cpu =>
            {
                while (cpu.QuiescentPoint(out var signals))
                {
                    if ((signals & CpuSignals.Timer) != 0)
                    {
                        Interlocked.Increment(ref taken[cpu.Id]);
                        gate.Set();
                    }

                    Thread.Yield();
                }
            },
            RunLimit.UntilStopped);

        m.Signal(1, CpuSignals.Timer);
        Assert.True(gate.Wait(Generous), "CPU 1 never took its signal");

        // Many quiescent points later the signal has not come back, and CPU 0 never had it.
        var opsThen = m.Cpu(1).Operations;
        Assert.True(SpinWait.SpinUntil(() => m.Cpu(1).Operations > opsThen + 1000, Generous), "CPU 1 stopped running");
        m.RequestStop();
        m.Join(Generous);
        Assert.Equal(1, Volatile.Read(ref taken[1]));
        Assert.Equal(0, Volatile.Read(ref taken[0]));
    }

    [Fact]
    public void A_plain_quiescent_point_leaves_signals_pending_and_still_runs()
    {
        using var m = new CpuMachine(new CpuMachineOptions(CpuCount: 1));
        var pending = CpuSignals.None;
        var ops = 0;
        var result = m.Run(
            cpu =>
            {
                m.Signal(0, CpuSignals.Interrupt | CpuSignals.PostedWork);

                // A body that does not take signals (kswapd's) runs as before; the signals wait for one that does.
                while (ops < 100 && cpu.QuiescentPoint())
                {
                    ops++;
                }

                cpu.QuiescentPoint(out pending);
            },
            RunLimit.Operations(1000));

        Assert.Equal(100, ops);
        Assert.Equal(CpuSignals.Interrupt | CpuSignals.PostedWork, pending);
        Assert.Equal(101, result.OperationsPerCpu[0]);
    }

    [Fact]
    public void A_signal_raised_while_the_cpu_is_parked_is_taken_when_it_runs_again()
    {
        using var m = new CpuMachine(new CpuMachineOptions(CpuCount: 2));
        var taken = new int[2];
        m.Start(
            cpu =>
            {
                while (cpu.QuiescentPoint(out var signals))
                {
                    if ((signals & CpuSignals.PostedWork) != 0)
                    {
                        Interlocked.Increment(ref taken[cpu.Id]);
                    }

                    Thread.Yield();
                }
            },
            RunLimit.UntilStopped);

        m.TakeOffline(0);
        m.Signal(0, CpuSignals.PostedWork);

        // Raising a signal does not wake a parked CPU: only the coordinator's requests do.
        Assert.Equal(CpuState.Offline, m.State(0));
        Assert.Equal(0, Volatile.Read(ref taken[0]));

        m.BringOnline(0);
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref taken[0]) == 1, Generous), "the signal was lost in the park");
        m.RequestStop();
        m.Join(Generous);
        Assert.Equal(1, Volatile.Read(ref taken[0]));
    }

    [Fact]
    public void Only_signal_bits_can_be_raised()
    {
        using var m = new CpuMachine(new CpuMachineOptions(CpuCount: 1));

        Assert.Throws<ArgumentOutOfRangeException>(() => m.Signal(0, (CpuSignals)1));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Signal(1, CpuSignals.Timer));
    }
}
