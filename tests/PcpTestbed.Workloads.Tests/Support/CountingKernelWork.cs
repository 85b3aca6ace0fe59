using PcpTestbed.Workloads.Work;

namespace PcpTestbed.Workloads.Tests.Support;

/// <summary>
/// A kernel-work engine that only counts: every call, per CPU and item, with its ns, and the interrupt work sent and
/// taken. It spends no time, so a run with it is the allocator's pace with the charges visible. Thread-safe.
/// </summary>
public sealed class CountingKernelWork(int cpus) : IKernelWork
{
    private readonly long[] _calls = new long[cpus * KernelWorkItems.Count];
    private readonly long[] _ns = new long[cpus * KernelWorkItems.Count];
    private readonly long[] _owedNs = new long[cpus];
    private readonly long[] _takenNs = new long[cpus];
    private readonly long[] _sentNs = new long[cpus];
    private long _idle;
    private long _interrupts;

    public string Engine => "counting";

    public void Spend(int cpu, KernelWorkItem item, long ns) => Count(cpu, item, ns);

    public void ClearPage(int cpu, long ns) => Count(cpu, KernelWorkItem.ClearPage, ns);

    public void Interrupt(int target, KernelWorkItem item, long ns)
    {
        Assert.Equal(KernelWorkItem.ShootdownIpi, item);
        Interlocked.Increment(ref _interrupts);
        Interlocked.Add(ref _owedNs[target], ns);
        Interlocked.Add(ref _sentNs[target], ns);
    }

    public void TakeInterrupts(int cpu) => Interlocked.Add(ref _takenNs[cpu], Interlocked.Exchange(ref _owedNs[cpu], 0));

    public void Idle(int cpu) => Interlocked.Increment(ref _idle);

    /// <summary>Calls for <paramref name="item"/> on <paramref name="cpu"/> (every CPU when null).</summary>
    public long Calls(KernelWorkItem item, int? cpu = null) => Sum(_calls, item, cpu);

    /// <summary>ns charged for <paramref name="item"/> on <paramref name="cpu"/> (every CPU when null).</summary>
    public long Ns(KernelWorkItem item, int? cpu = null) => Sum(_ns, item, cpu);

    /// <summary>Every charge: calls of every item and interrupts sent (idle steps are not charges). Read after the run.</summary>
    public long Charges => _calls.Sum() + Interlocked.Read(ref _interrupts);

    public long InterruptNsSent(int cpu) => Interlocked.Read(ref _sentNs[cpu]);

    public long InterruptNsTaken(int cpu) => Interlocked.Read(ref _takenNs[cpu]);

    public long IdleSteps => Interlocked.Read(ref _idle);

    private void Count(int cpu, KernelWorkItem item, long ns)
    {
        Assert.True(ns >= 0, $"{item} charged {ns} ns");
        var i = (cpu * KernelWorkItems.Count) + (int)item;
        Interlocked.Increment(ref _calls[i]);
        Interlocked.Add(ref _ns[i], ns);
    }

    private static long Sum(long[] table, KernelWorkItem item, int? cpu)
    {
        long sum = 0;
        for (var c = 0; c < table.Length / KernelWorkItems.Count; c++)
        {
            if (cpu is null || cpu == c)
            {
                sum += Interlocked.Read(ref table[(c * KernelWorkItems.Count) + (int)item]);
            }
        }

        return sum;
    }
}
