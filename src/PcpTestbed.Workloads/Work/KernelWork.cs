using System.Runtime.CompilerServices;

namespace PcpTestbed.Workloads.Work;

/// <summary>
/// The kernel work a workload charges around its allocator calls, in the kernel's terms (a fault, an unmap, a
/// madvise(), a packet), at the published costs (<see cref="KernelWorkCosts"/>) times <see cref="Scale"/>, done by an
/// engine (<see cref="IKernelWork"/>). At scale 0 nothing is charged and no engine call is made: the CPUs call the
/// allocator back to back. Each CPU tallies what it charged, per item, in its own row.
/// </summary>
public sealed class KernelWork
{
    /// <summary>Longs before the first row and between rows: a cache line, so no two CPUs' tallies share one.</summary>
    private const int Pad = 16;

    private const int Stride = (2 * KernelWorkItems.Count) + Pad;

    private readonly IKernelWork _engine;
    private readonly long[] _ns;
    private readonly long[] _tally; // per CPU: count and ns per item; each row written by its CPU only
    private readonly int _cpus;
    private readonly Action<int>? _interrupted;

    /// <param name="engine">Who does the work.</param>
    /// <param name="scale">Multiplies every published cost; 0 charges nothing.</param>
    /// <param name="cpus">Emulated CPUs that charge.</param>
    /// <param name="costs">The costs at scale 1 (<see cref="KernelWorkCosts.Published"/> when null).</param>
    /// <param name="interrupted">
    /// Called with a CPU after interrupt work was sent to it, so it takes it soon (the runner raises
    /// <see cref="Execution.Cpus.CpuSignals.Interrupt"/>); null when the CPUs poll <see cref="TakeInterrupts"/>.
    /// </param>
    public KernelWork(IKernelWork engine, double scale, int cpus, KernelWorkCosts? costs = null, Action<int>? interrupted = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        if (!double.IsFinite(scale) || scale < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "expected a finite work scale of 0 or more");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(cpus, 1);
        _engine = engine;
        _cpus = cpus;
        _interrupted = interrupted;
        Scale = scale;
        Costs = costs ?? KernelWorkCosts.Published;
        _ns = [.. KernelWorkItems.All.Select(item => (long)Math.Round(Costs[item] * scale))];
        Charges = _ns.Any(ns => ns > 0);
        _tally = new long[Pad + (cpus * Stride)];
    }

    public IKernelWork Engine => _engine;

    public double Scale { get; }

    public KernelWorkCosts Costs { get; }

    /// <summary>False at scale 0 (or costs all 0): no call does anything but <see cref="Idle"/>.</summary>
    public bool Charges { get; }

    /// <summary>What one unit of <paramref name="item"/> is charged, in ns: the published cost times the scale.</summary>
    public long ChargeNs(KernelWorkItem item) => _ns[(int)item];

    /// <summary>do_anonymous_page() of a folio of 2^<paramref name="order"/> pages: the fault path, then clear_page() of each page (one real clear, the rest topped up).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Fault(int cpu, int order = 0)
    {
        if (Charges)
        {
            FaultCharged(cpu, order);
        }
    }

    /// <summary>munmap() or exit_mmap() zaps <paramref name="pages"/> pages into the mmu_gather.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Unmap(int cpu, long pages)
    {
        if (Charges)
        {
            Spend(cpu, KernelWorkItem.UnmapPage, pages);
        }
    }

    /// <summary>The mmu_gather flushes: tlb_flush_mmu() (a local flush; process mode and exit send no IPI).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void TlbFlush(int cpu)
    {
        if (Charges)
        {
            Spend(cpu, KernelWorkItem.TlbFlush, 1);
        }
    }

    /// <summary>
    /// madvise(MADV_DONTNEED) of <paramref name="pages"/> pages: the call with its local flush, the zap, and when the
    /// process runs on the CPUs <paramref name="firstTarget"/>..+<paramref name="targets"/> too, a shootdown IPI to each
    /// (their handlers' time owed by them) and the wait for their acknowledgements.
    /// </summary>
    public void Madvise(int cpu, long pages, int firstTarget, int targets)
    {
        if (!Charges)
        {
            return;
        }

        Spend(cpu, KernelWorkItem.Madvise, 1);
        Spend(cpu, KernelWorkItem.MadvisePage, pages);
        if (targets <= 0)
        {
            return;
        }

        var ipi = _ns[(int)KernelWorkItem.ShootdownIpi];
        for (var t = firstTarget; t < firstTarget + targets; t++)
        {
            _engine.Interrupt(t, KernelWorkItem.ShootdownIpi, ipi);
            _interrupted?.Invoke(t);
        }

        Tally(cpu, KernelWorkItem.ShootdownIpi, targets, targets * ipi);
        Spend(cpu, KernelWorkItem.ShootdownWait, 1);
    }

    /// <summary>The receive path of <paramref name="packets"/> packets.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Receive(int cpu, int packets)
    {
        if (Charges)
        {
            Spend(cpu, KernelWorkItem.PacketReceive, packets);
        }
    }

    /// <summary>recvmsg() of <paramref name="packets"/> packets.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Consume(int cpu, int packets)
    {
        if (Charges)
        {
            Spend(cpu, KernelWorkItem.PacketConsume, packets);
        }
    }

    /// <summary>A step with nothing to do (not a charge: see <see cref="IKernelWork.Idle"/>).</summary>
    public void Idle(int cpu) => _engine.Idle(cpu);

    /// <summary><paramref name="cpu"/> pays the interrupt work other CPUs owe it.</summary>
    public void TakeInterrupts(int cpu) => _engine.TakeInterrupts(cpu);

    /// <summary>What <paramref name="cpu"/> charged of <paramref name="item"/> so far: units and ns (exact once the CPU stopped).</summary>
    public (long Count, long Ns) Charged(int cpu, KernelWorkItem item)
    {
        var i = Row(cpu) + (2 * (int)item);
        return (Volatile.Read(ref _tally[i]), Volatile.Read(ref _tally[i + 1]));
    }

    /// <summary>What every CPU charged of <paramref name="item"/>.</summary>
    public (long Count, long Ns) Charged(KernelWorkItem item)
    {
        long count = 0, ns = 0;
        for (var cpu = 0; cpu < _cpus; cpu++)
        {
            var (c, n) = Charged(cpu, item);
            count += c;
            ns += n;
        }

        return (count, ns);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FaultCharged(int cpu, int order)
    {
        Spend(cpu, KernelWorkItem.Fault, 1);
        var pages = 1L << order;
        var ns = pages * _ns[(int)KernelWorkItem.ClearPage];
        _engine.ClearPage(cpu, ns);
        Tally(cpu, KernelWorkItem.ClearPage, pages, ns);
    }

    private void Spend(int cpu, KernelWorkItem item, long units)
    {
        var ns = units * _ns[(int)item];
        _engine.Spend(cpu, item, ns);
        Tally(cpu, item, units, ns);
    }

    private void Tally(int cpu, KernelWorkItem item, long units, long ns)
    {
        var i = Row(cpu) + (2 * (int)item);
        _tally[i] += units;
        _tally[i + 1] += ns;
    }

    private static int Row(int cpu) => Pad + (cpu * Stride);
}
