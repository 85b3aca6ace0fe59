using PcpTestbed.Coyote.Repro;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote.Tests;

/// <summary>From a flight recorder's windows (pfns per CPU) to a reproduction file's operations (handles, one global order).</summary>
public class ReproBuilderTests
{
    private static readonly ReproBuilder.RunFacts Facts = new("mainline", [], "mixed", 1, 2, "16M", "2026-05", true);

    private static RecordedOp Alloc(long pfn, int epoch, int order = 0) => new(AllocatorOp.Alloc, order, 0xcc0, pfn, epoch, true, false);

    private static RecordedOp Free(long pfn, int epoch) => new(AllocatorOp.Free, pfn, 0, 0, epoch, true, false);

    private static RecordedOp Hotplug(AllocatorOp op, int target, int epoch) => new(op, target, 0, 0, epoch, true, false);

    [Fact]
    public void A_cpus_operations_are_not_merged_between_its_death_and_its_online()
    {
        // One epoch: the round-robin merge took CPU 0's second allocation right after CPU 1's death of CPU 0, where CPU 0
        // (parked) ran nothing; the rebuild then skipped it as an operation of a dead CPU.
        RecordedOp[][] windows =
            [[Alloc(0x10, 5), Alloc(0x11, 5), Alloc(0x12, 5)], [Hotplug(AllocatorOp.CpuDead, 0, 5), Hotplug(AllocatorOp.CpuOnline, 0, 5)]];
        var file = ReproBuilder.Build(Facts, windows, [0, 0], 16, "[lockdep] x", violationPfn: null);

        var (dead, online) = (file.Operations[1][0].Seq, file.Operations[1][1].Seq);
        Assert.All(file.Operations[0], op => Assert.False(op.Seq > dead && op.Seq < online, $"CPU 0's operation at {op.Seq} is between its death at {dead} and its online at {online}"));
        Assert.Equal(online + 1, file.Operations[0][1].Seq);
    }

    [Fact]
    public void A_death_waits_for_its_victims_operations_that_ended_in_an_earlier_epoch_than_any_online_of_it()
    {
        // CPU 0's allocations ended in epoch 5, the online that would let them follow the death in epoch 6: they ran before it.
        RecordedOp[][] windows = [[Alloc(0x10, 5), Alloc(0x11, 5)], [Hotplug(AllocatorOp.CpuDead, 0, 5), Hotplug(AllocatorOp.CpuOnline, 0, 6)]];
        var file = ReproBuilder.Build(Facts, windows, [0, 0], 16, "[lockdep] x", violationPfn: null);

        Assert.All(file.Operations[0], op => Assert.True(op.Seq < file.Operations[1][0].Seq));
    }

    [Fact]
    public void A_page_freed_on_another_cpu_keeps_the_handle_its_allocation_gave_even_when_the_free_is_listed_first_in_its_epoch()
    {
        // CPU 0 allocates 0x10 then frees it; CPU 1 (listed first in the merge) allocates 0x10 after that, then frees it.
        RecordedOp[][] windows = [[Alloc(0x10, 5), Free(0x10, 5)], [Alloc(0x10, 5), Free(0x10, 5)]];
        var file = ReproBuilder.Build(Facts, windows, [0, 0], 16, "[lockdep] x", violationPfn: null);

        Assert.Empty(file.Pages);
        var all = file.Operations.SelectMany(o => o).OrderBy(o => o.Seq).ToArray();
        Assert.Equal([ReproOp.Alloc, ReproOp.Free, ReproOp.Alloc, ReproOp.Free], all.Select(o => o.Op));
        Assert.Equal(all[0].Page, all[1].Page);
        Assert.Equal(all[2].Page, all[3].Page);
        Assert.NotEqual(all[0].Page, all[2].Page);
        Assert.Equal("lockdep", file.Invariant);
    }

    [Fact]
    public void With_the_checkpoints_holdings_a_free_of_a_held_chunk_goes_first_so_another_cpus_free_finds_its_allocation()
    {
        // CPU 0 frees 0x20, which CPU 1 allocates in the window after freeing 0x40, held at the checkpoint. Every CPU's next
        // operation a free of a pfn nobody holds yet: without the holdings the merge falls back to CPU 0's, and takes 0x20 for
        // a page from before the window; with them CPU 1's free of 0x40 is consistent, then its allocation of 0x20.
        RecordedOp[][] windows = [[Free(0x20, 5)], [Free(0x40, 5), Alloc(0x20, 5)]];
        var holdings = new Model.Layout.ZoneHoldings { Held = [new Model.Layout.HeldChunks(0x40, 0, 1, 1)], BlockTypes = [1, 1, 1, 1, 1, 1, 1, 1] };

        var with = ReproBuilder.Build(Facts, windows, [0, 0], 16, "[lockdep] x", violationPfn: null, holdings);
        var without = ReproBuilder.Build(Facts, windows, [0, 0], 16, "[lockdep] x", violationPfn: null);

        Assert.Equal([0x40L], with.Pages.Select(p => p.Pfn!.Value));
        Assert.Equal(with.Operations[1][1].Page, with.Operations[0][0].Page);
        Assert.Equal(0x20L, with.Operations[1][1].Pfn);
        Assert.Equal([0x20L, 0x40L], without.Pages.Select(p => p.Pfn!.Value).Order());
    }

    [Fact]
    public void A_free_of_a_page_from_before_the_window_becomes_a_page_of_the_rebuilt_state()
    {
        RecordedOp[][] windows = [[new RecordedOp(AllocatorOp.Free, 0x40, 2, 0, 0, true, false)], []];
        var file = ReproBuilder.Build(Facts, windows, [7, 0], 16, "[§7.1 single-state] y", violationPfn: null);

        var page = Assert.Single(file.Pages);
        Assert.Equal(new ReproPage(file.Operations[0][0].Page!.Value, 0, 2, 0x40), page);
        Assert.False(file.WindowComplete);
        Assert.Equal([7L, 0L], file.LostBeforeWindow);
    }

    [Fact]
    public void An_allocation_keeps_the_pages_its_direct_reclaim_freed_and_may_get_one_of_them()
    {
        RecordedOp[][] windows =
        [
            [Alloc(0x10, 3), new RecordedOp(AllocatorOp.Alloc, 0, (long)PcpTestbed.Model.Gfp.HighUserMovable, 0x10, 4, true, false),
                new RecordedOp(AllocatorOp.FreeBatch, 0x10, 0, 0, 4, true, true), new RecordedOp(AllocatorOp.FreeBatch, 0x20, 0, 0, 4, true, true)],
            [],
        ];
        var file = ReproBuilder.Build(Facts, windows, [0, 0], 16, "[§7.6 highatomic] x", violationPfn: null);

        var (first, reclaiming) = (file.Operations[0][0], file.Operations[0][1]);
        Assert.Equal(2, file.Operations[0].Count);
        Assert.Equal(ReproOp.Alloc, reclaiming.Op);
        Assert.Equal([first.Page!.Value, Assert.Single(file.Pages).Page], reclaiming.Reclaimed!.Select(f => f.Page));
        Assert.Equal([first.Page!.Value, file.Pages[0].Page], reclaiming.FreedPages());
        Assert.Equal(0x20, file.Pages[0].Pfn);
        Assert.NotEqual(first.Page, reclaiming.Page);
    }

    [Fact]
    public void Earlier_epochs_come_first_and_a_batch_keeps_its_folios()
    {
        RecordedOp[][] windows =
        [
            [new RecordedOp(AllocatorOp.FreeBatch, 2, 0, 0, 9, true, false), new RecordedOp(AllocatorOp.FreeBatch, 0x10, 0, 0, 9, true, true),
                new RecordedOp(AllocatorOp.FreeBatch, 0x20, 1, 0, 9, true, true)],
            [Alloc(0x10, 3), Alloc(0x20, 4, order: 1)],
        ];
        var file = ReproBuilder.Build(Facts, windows, [0, 0], 16, "[bad-page] z", violationPfn: null);

        var batch = Assert.Single(file.Operations[0]);
        Assert.Equal(2, batch.Seq);
        Assert.Equal([file.Operations[1][0].Page!.Value, file.Operations[1][1].Page!.Value], batch.Folios!.Select(f => f.Page));
        Assert.Equal([0, 1], batch.Folios!.Select(f => f.Order));
        Assert.Empty(file.Pages);
    }

    [Fact]
    public void The_file_names_the_last_operation_on_the_chunk_holding_the_pfn_carried_with_the_violation_not_one_read_from_its_text()
    {
        // The text names 0x30 (seq 3); the carried pfn, 0x21, lies in the order-1 chunk at 0x20, whose free (seq 2) is the last
        // operation on it. No pfn carried: none, whatever the text says.
        RecordedOp[][] windows = [[Alloc(0x20, 1, order: 1), Alloc(0x30, 1), new RecordedOp(AllocatorOp.Free, 0x20, 1, 0, 1, true, false), Free(0x30, 1)], []];
        var carried = ReproBuilder.Build(Facts, windows, [0, 0], 16, "[bad-page] BUG: Bad page state: pfn:30 order:0: double free", 0x21);
        var textOnly = ReproBuilder.Build(Facts, windows, [0, 0], 16, "[bad-page] BUG: Bad page state: pfn:30 order:0: double free", violationPfn: null);
        var noPattern = ReproBuilder.Build(Facts, windows, [0, 0], 16, "[lockdep] x", 0x30);

        Assert.Equal(2, carried.ViolationPageSeq);
        Assert.Equal(ReproOp.Free, carried.Operations[0].Single(o => o.Seq == 2).Op);
        Assert.Null(textOnly.ViolationPageSeq);
        Assert.Equal(3, noPattern.ViolationPageSeq);
    }

    [Fact]
    public void A_free_at_another_order_than_the_live_allocation_is_not_matched_to_it()
    {
        // 0x20 allocated at order 0 and freed at order 1: not the same page (the order-1 one was allocated before the window).
        RecordedOp[][] windows = [[Alloc(0x20, 1), new RecordedOp(AllocatorOp.Free, 0x20, 1, 0, 1, true, false)], []];
        var file = ReproBuilder.Build(Facts, windows, [0, 0], 16, "[bad-page] z", violationPfn: null);

        var page = Assert.Single(file.Pages);
        Assert.Equal(1, page.Order);
        Assert.NotEqual(file.Operations[0][0].Page, file.Operations[0][1].Page);
    }
}
