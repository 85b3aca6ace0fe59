using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Workloads.Work;

/// <summary>
/// Kernel work on OS threads: a page clear is a real clear of the CPU's own 4 KiB buffer (real memory traffic,
/// though hot in cache where a fault's clear is cold), topped up with busy time to the published cost; the rest is
/// busy time from <see cref="BusyLoop"/>, calibrated against the clock at start-up (<see cref="HostWorkCalibration"/>).
/// Never <see cref="Thread.Sleep(int)"/>: a kernel CPU doing this work keeps its core. Interrupt work owed to a CPU is
/// kept in its own record and paid when it next takes its interrupts.
/// </summary>
public sealed class HostKernelWork : IKernelWork
{
    public const int PageBytes = 4096;

    private readonly HostWorkCalibration? _calibration;
    private readonly double _iterationsPerNs;
    private readonly long _clearNs;
    private readonly byte[][] _pages;
    private readonly PerCpu[] _cpus;

    /// <param name="cpus">Emulated CPUs.</param>
    /// <param name="calibration">The host's calibration (<see cref="HostWorkCalibration.Shared"/>); null when nothing is charged (scale 0), and then only <see cref="Idle"/> may be called.</param>
    public HostKernelWork(int cpus, HostWorkCalibration? calibration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cpus, 1);
        _calibration = calibration;
        _iterationsPerNs = calibration is null ? 0 : 1 / calibration.SpinNsPerIteration;
        _clearNs = calibration is null ? 0 : (long)Math.Round(calibration.ClearPageNs);

        // Each CPU's page in the pinned object heap, allocated one after another: 4 KiB apart, so no two CPUs share a line.
        _pages = [.. Enumerable.Range(0, cpus).Select(_ => GC.AllocateArray<byte>(PageBytes, pinned: true))];
        _cpus = new PerCpu[cpus];
    }

    public string Engine => "host";

    /// <summary>The calibration the busy time is charged with; null when the run charges nothing.</summary>
    public HostWorkCalibration? Calibration => _calibration;

    /// <summary>CPU <paramref name="cpu"/>'s page, which <see cref="ClearPage"/> clears (for tests).</summary>
    public Span<byte> Page(int cpu) => _pages[cpu];

    public void Spend(int cpu, KernelWorkItem item, long ns) => Burn(cpu, ns);

    public void ClearPage(int cpu, long ns)
    {
        EnsureCalibrated();
        Clear(_pages[cpu]);
        Burn(cpu, ns - _clearNs);
    }

    public void Interrupt(int target, KernelWorkItem item, long ns)
    {
        // The target takes the debt whole with its exchange.
        Interlocked.Add(ref _cpus[target].OwedNs, ns);
    }

    public void TakeInterrupts(int cpu)
    {
        var owed = Volatile.Read(ref _cpus[cpu].OwedNs) == 0 ? 0 : Interlocked.Exchange(ref _cpus[cpu].OwedNs, 0);
        Burn(cpu, owed);
    }

    public void Idle(int cpu) => Thread.Yield();

    /// <summary>Interrupt work owed to <paramref name="cpu"/> and not yet paid (a racy read).</summary>
    public long OwedNs(int cpu) => Volatile.Read(ref _cpus[cpu].OwedNs);

    /// <summary>clear_page() of <paramref name="page"/>: a real clear, vectorised as the kernel's rep stosb is.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Clear(byte[] page) => page.AsSpan().Clear();

    private void Burn(int cpu, long ns)
    {
        if (ns <= 0)
        {
            return;
        }

        EnsureCalibrated();
        ref var c = ref _cpus[cpu];
        c.Sink = BusyLoop.Run(c.Sink | 1, (long)(ns * _iterationsPerNs));
    }

    private void EnsureCalibrated()
    {
        if (_calibration is null)
        {
            throw new InvalidOperationException("kernel work charged on a host engine built without a calibration (for runs at --work-scale 0)");
        }
    }

    /// <summary>A CPU's own line: the busy loop's result (kept, so the loop is not removed) and the interrupt work owed to it.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct PerCpu // do not make readonly: written in place
    {
        private CacheLinePad _before;

        /// <summary>Written by the CPU only.</summary>
        public ulong Sink;

        /// <summary>Added to by other CPUs (atomically), taken by the CPU (atomically).</summary>
        public long OwedNs;

        private CacheLinePad _after;
    }
}
