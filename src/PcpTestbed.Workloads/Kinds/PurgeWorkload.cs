using PcpTestbed.Model;
using PcpTestbed.Workloads.Support;

namespace PcpTestbed.Workloads.Kinds;

/// <summary>
/// purge (jemalloc's purger threads): application CPUs fault pages in and retire them to a purger's
/// queue; a few purger CPUs give them back to the kernel. Allocation and free happen on different CPUs,
/// which is the affinity violation the pageblock RFC targets. The last CPUs are the purgers. A lone CPU
/// (a CPU sweep's one-CPU baseline) both allocates and purges its own queue when it fills, so nothing
/// crosses CPUs there.
/// </summary>
public sealed class PurgeWorkload : Workload
{
    private readonly int _purgers;
    private readonly int _firstPurger;
    private readonly ChunkQueue[] _queues;

    public PurgeWorkload(WorkloadContext context)
        : base(context)
    {
        _purgers = context.Parameters.EffectivePurgers(context.Cpus);
        _firstPurger = context.Cpus == 1 ? 1 : context.Cpus - _purgers;
        _queues = [.. Enumerable.Range(0, _purgers).Select(_ => new ChunkQueue(context.Parameters.QueueCapacityPages))];
    }

    public override WorkloadKind Kind => WorkloadKind.Purge;

    public int Purgers => _purgers;

    protected override IEnumerable<ChunkQueue> Queues => _queues;

    public override void Step(int cpu)
    {
        if (cpu >= _firstPurger)
        {
            if (_queues[cpu - _firstPurger].TryDequeue(out var retired))
            {
                Free(cpu, retired);
                return;
            }

            Idle(cpu);
            return;
        }

        var queue = _queues[cpu % _purgers];
        if (queue.IsFull)
        {
            if (Context.Cpus == 1 && queue.TryDequeue(out var own))
            {
                Free(cpu, own);
                return;
            }

            // The purgers are behind: the application waits for memory to come back.
            Idle(cpu);
            return;
        }

        if (TryAllocate(cpu, Gfp.HighUserMovable, 0, out var chunk))
        {
            queue.Enqueue(chunk);
            Context.Counters[cpu].HandedOffPages++;
        }
        else
        {
            Idle(cpu);
        }
    }
}
