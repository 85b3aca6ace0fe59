using PcpTestbed.Coyote.Repro;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote.Tests;

/// <summary>
/// The CPUs offline when a window began (<see cref="ReproHotplugStart"/>): one rule for the builder's merge and the
/// scenario's rebuild, including which CPU stays online when every CPU's first hotplug event is its online.
/// </summary>
public class ReproHotplugStartTests
{
    private static readonly ReproBuilder.RunFacts Facts = new("mainline", [], "mixed", 1, 2, "16M", "2026-05", true);

    [Fact]
    public void When_every_cpu_looks_offline_the_merge_and_the_rebuild_keep_online_the_cpu_that_ran_the_first_online()
    {
        // CPU 1 brings CPU 0 online at its window's start; CPU 0 brings CPU 1 online at its window's end. Both deaths are older
        // than the window, but CPU 1 ran page_alloc_cpu_online(): it was online. So CPU 0 runs nothing before its online, in
        // the merge, and the rebuild starts with CPU 0 dead (before, the merge kept CPU 0 online and the rebuild CPU 0 too,
        // whose online came first: neither could run CPU 1's online of CPU 0).
        RecordedOp[][] windows =
        [
            [Alloc(0x10, 5), Alloc(0x11, 5), Hotplug(AllocatorOp.CpuOnline, 1, 5)],
            [Hotplug(AllocatorOp.CpuOnline, 0, 5), Alloc(0x20, 5)],
        ];
        var file = ReproBuilder.Build(Facts, windows, [0, 0], 16, "[lockdep] x", violationPfn: null);

        var online = file.Operations[1][0].Seq;
        Assert.All(file.Operations[0].Where(o => o.Op == ReproOp.Alloc), op => Assert.True(op.Seq > online, $"CPU 0's allocation at {op.Seq} precedes its online at {online}"));
        Assert.Equal([0], new ReproScenario(file, 1).OfflineAtStart);
        var rebuilt = ReproSetup.Run(file, 1 << 20).Allocator;
        Assert.False(rebuilt.IsOnline(0));
        Assert.True(rebuilt.IsOnline(1));
    }

    [Fact]
    public void An_online_filed_on_its_own_target_keeps_that_target_online_when_every_cpu_looks_offline()
    {
        // The coordinator runs page_alloc_cpu_online() as the CPU itself: the event names no other CPU that was online.
        var offline = ReproHotplugStart.Offline(2, [new(1, 1, true, 5, 0.5), new(0, 0, true, 6, 0)]);

        Assert.Equal([true, false], offline);
    }

    [Fact]
    public void The_first_events_are_ordered_by_epoch_then_place_and_a_death_first_means_online_at_the_start()
    {
        // CPU 0's death (epoch 5, late in its window) comes before its online (epoch 6); CPU 1's online (epoch 5, early) comes
        // before its death (epoch 5, later in its window): CPU 1 alone was offline.
        var offline = ReproHotplugStart.Offline(2,
            [new(1, 0, true, 6, 0), new(1, 0, false, 5, 0.9), new(0, 1, false, 5, 0.5), new(0, 1, true, 5, 0.1)]);

        Assert.Equal([false, true], offline);
    }

    private static RecordedOp Alloc(long pfn, int epoch) => new(AllocatorOp.Alloc, 0, 0xcc0, pfn, epoch, true, false);

    private static RecordedOp Hotplug(AllocatorOp op, int target, int epoch) => new(op, target, 0, 0, epoch, true, false);
}
