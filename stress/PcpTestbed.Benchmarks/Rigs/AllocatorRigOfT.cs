using PcpTestbed.Designs;
using PcpTestbed.Execution.Locking;
using PcpTestbed.Model;

namespace PcpTestbed.Benchmarks.Rigs;

/// <summary>The rig's loops over the concrete allocator type, one instantiation per probe.</summary>
public sealed class AllocatorRig<TProbe> : AllocatorRig
    where TProbe : struct, ILockProbe
{
    private readonly PageAllocator<OsExecution<TProbe>> _allocator;

    public AllocatorRig(Zone zone, PageAllocator<OsExecution<TProbe>> allocator)
        : base(zone) => _allocator = allocator;

    public override IPageAllocator Allocator => _allocator;

    public override void Pairs(int cpu, int order, int count)
    {
        var a = _allocator;
        for (var i = 0; i < count; i++)
        {
            // A failed allocation returns -1, which Free rejects: a failure cannot pass as a fast pair.
            var pfn = a.Allocate(cpu, PairGfp, order).Pfn;
            a.Free(cpu, pfn, order);
        }
    }

    public override void RemotePairs(int allocCpu, int freeCpu, int order, int count)
    {
        var a = _allocator;
        for (var i = 0; i < count; i++)
        {
            var pfn = a.Allocate(allocCpu, PairGfp, order).Pfn;
            a.Free(freeCpu, pfn, order);
        }
    }

    public override long Allocate(int cpu, int order)
    {
        var result = _allocator.Allocate(cpu, PairGfp, order);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"order-{order} allocation on CPU {cpu} failed");
        }

        return result.Pfn;
    }

    public override void Free(int cpu, long pfn, int order) => _allocator.Free(cpu, pfn, order);

    public override void DrainAllPages(int cpu) => _allocator.DrainAllPages(cpu);
}
