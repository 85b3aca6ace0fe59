using PcpTestbed.Designs;
using PcpTestbed.Execution.Cpus;
using PcpTestbed.Execution.Locking;
using PcpTestbed.Execution.Recorder;
using PcpTestbed.Model;
using PcpTestbed.Model.Layout;
using PcpTestbed.Model.Sync;
using PcpTestbed.Workloads.Reclaim;

namespace PcpTestbed.Workloads.Tests;

/// <summary>
/// The reclaim model's direct reclaim frees its cache pages as pages of the allocation that reclaims
/// (<see cref="IPageAllocator.FreeReclaimed"/>), so a flight recorder keeps them with that allocation as its folios, and
/// records no free of its own for them.
/// </summary>
public class ReclaimModelRecordingTests
{
    [Fact]
    public void Direct_reclaims_frees_are_recorded_as_folios_of_the_allocation_that_reclaims()
    {
        var activity = new CpuActivityTable(2);
        var recorder = new FlightRecorder(activity);
        using var reclaim = new ReclaimModel();
        var allocator = AllocatorFactory.Create(DesignKind.Mainline, ZoneBuilder.Build(ZoneSpec.Parse("16M")),
            new AllocatorConfig { Cpus = 2, Reclaim = reclaim }, new OsExecution<NoLockProbe>(default, activity, recorder));
        reclaim.Attach(allocator, kswapdCpu: 1);
        reclaim.Prefill(0);
        recorder.Checkpoint();

        // Below low with kswapd not running: the allocations eat down to min, and the next one reclaims.
        var allocations = 0;
        while (reclaim.DirectReclaimedPages == 0 && allocations++ < 4096)
        {
            Assert.True(allocator.Allocate(0, Gfp.HighUserMovable, 0).Succeeded);
        }

        var window = recorder.Read("[test] cut").Windows[0];
        Assert.True(reclaim.DirectReclaimedPages > 0, "no direct reclaim");
        Assert.DoesNotContain(window, op => op is { Op: AllocatorOp.Free });
        Assert.Equal(reclaim.DirectReclaimedPages, window.Count(op => op.IsFolio));
        Assert.Equal(allocations, window.Count(op => op is { Op: AllocatorOp.Alloc, IsFolio: false }));

        // The reclaiming allocation is the last; its pages follow its entry, as a batch's folios follow the batch's.
        var first = Array.FindIndex(window, op => op.IsFolio);
        Assert.Equal(AllocatorOp.Alloc, window[first - 1].Op);
        Assert.Equal(allocations, window.Take(first).Count());
    }
}
