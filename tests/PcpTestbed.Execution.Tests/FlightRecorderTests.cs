using PcpTestbed.Execution.Cpus;
using PcpTestbed.Execution.Recorder;
using PcpTestbed.Model.Layout;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Tests;

/// <summary>
/// The flight recorder's ring: what goes in comes out, the window between checkpoint and cut, wrapping, freezing, and the
/// operation each CPU was in at the cut. Operations begin in the CPU's activity record (as OpBegin writes it) and are
/// recorded at their end.
/// </summary>
public class FlightRecorderTests
{
    [Fact]
    public void Operations_come_back_with_their_arguments_results_folios_and_epochs()
    {
        var r = NewRecorder(2);
        Begin(r, 1, AllocatorOp.Alloc, 3, 0x100cca);
        r.End(1, 0x12345);
        r.AdvanceEpoch();
        Begin(r, 1, AllocatorOp.FreeBatch, 2, 0);
        r.Folio(1, 0x12345, 3);
        r.Folio(1, 0x777, 0);
        r.End(1, 0);
        Begin(r, 1, AllocatorOp.Alloc, 0, 0xcc0);
        r.End(1, -1);
        Begin(r, 1, AllocatorOp.CpuDead, 0, 0);

        var w = r.Read("[test] now").Windows[1];
        Assert.Equal(
        [
            new RecordedOp(AllocatorOp.Alloc, 3, 0x100cca, 0x12345, 0, true, false),
            new RecordedOp(AllocatorOp.FreeBatch, 2, 0, 0, 1, true, false),
            new RecordedOp(AllocatorOp.FreeBatch, 0x12345, 3, 0, 1, true, true),
            new RecordedOp(AllocatorOp.FreeBatch, 0x777, 0, 0, 1, true, true),
            new RecordedOp(AllocatorOp.Alloc, 0, 0xcc0, -1, 1, true, false),
            new RecordedOp(AllocatorOp.CpuDead, 0, 0, 0, 0, false, false),
        ], w);
        Assert.Empty(r.Read("[test] again").Windows[0]);
    }

    [Fact]
    public void An_allocation_keeps_the_pages_its_direct_reclaim_freed_after_its_entry()
    {
        var r = NewRecorder(1);
        Begin(r, 0, AllocatorOp.Alloc, 0, 0x100cca);
        r.Folio(0, 0x40, 0);
        r.Folio(0, 0x41, 0);
        r.End(0, 0x40);

        Assert.Equal(
        [
            new RecordedOp(AllocatorOp.Alloc, 0, 0x100cca, 0x40, 0, true, false),
            new RecordedOp(AllocatorOp.FreeBatch, 0x40, 0, 0, 0, true, true),
            new RecordedOp(AllocatorOp.FreeBatch, 0x41, 0, 0, 0, true, true),
        ], r.Read("[test] now").Windows[0]);
    }

    [Fact]
    public void An_entry_keeps_each_field_up_to_its_width()
    {
        var r = NewRecorder(1);
        const long maxGfp = 0xFF_FFFF;
        const long maxResult = uint.MaxValue - 1;
        const long maxFreePfn = (1L << 36) - 1;
        Begin(r, 0, AllocatorOp.Alloc, 10, maxGfp);
        r.End(0, maxResult);
        Begin(r, 0, AllocatorOp.Free, maxFreePfn, 10);
        r.End(0, 0);
        Begin(r, 0, AllocatorOp.FreeBatch, 1, 0);
        r.Folio(0, maxFreePfn, 10);
        r.End(0, 0);
        Begin(r, 0, AllocatorOp.CpuOnline, 63, 0);
        r.End(0, 0);

        Assert.Equal(
        [
            new RecordedOp(AllocatorOp.Alloc, 10, maxGfp, maxResult, 0, true, false),
            new RecordedOp(AllocatorOp.Free, maxFreePfn, 10, 0, 0, true, false),
            new RecordedOp(AllocatorOp.FreeBatch, 1, 0, 0, 0, true, false),
            new RecordedOp(AllocatorOp.FreeBatch, maxFreePfn, 10, 0, 0, true, true),
            new RecordedOp(AllocatorOp.CpuOnline, 63, 0, 0, 0, true, false),
        ], r.Read("[test] now").Windows[0]);
    }

    [Fact]
    public void Entries_before_the_first_epoch_mark_a_wrapped_ring_holds_take_the_epoch_that_mark_ended()
    {
        var r = NewRecorder(1);
        for (var i = 0; i < 5; i++)
        {
            Free(r, i); // epoch 0: entries 0-4
        }

        r.AdvanceEpoch();
        for (var i = 5; i < 10; i++)
        {
            Free(r, i); // epoch 1: a mark (entry 5), then entries 6-10
        }

        r.AdvanceEpoch();
        for (var i = 10; i < 20; i++)
        {
            Free(r, i); // epoch 2: a mark (entry 11), then entries 12-21
        }

        // 22 entries in a ring of 16: entries 0-5, epoch 1's mark among them, are gone.
        var rec = r.Read("[test] cut");
        Assert.Equal(Enumerable.Range(5, 15).Select(i => (long)i), rec.Windows[0].Select(o => o.Arg0));
        Assert.Equal(Enumerable.Repeat(1, 5).Concat(Enumerable.Repeat(2, 10)), rec.Windows[0].Select(o => o.Epoch));
        Assert.Equal(6, rec.Lost[0]);
    }

    [Fact]
    public void A_wrapped_ring_without_an_epoch_mark_takes_the_epoch_of_the_CPU_last_entry()
    {
        var r = NewRecorder(1);
        Free(r, 0);
        r.AdvanceEpoch();
        r.AdvanceEpoch();
        for (var i = 1; i < 21; i++)
        {
            Free(r, i); // a mark (entry 1), then entries 2-21
        }

        var w = r.Read("[test] cut").Windows[0];
        Assert.Equal(Enumerable.Range(5, 16).Select(i => (long)i), w.Select(o => o.Arg0));
        Assert.All(w, o => Assert.Equal(2, o.Epoch));
    }

    [Fact]
    public void The_window_starts_at_the_last_checkpoint_and_ends_at_the_cut()
    {
        var r = NewRecorder(1);
        Free(r, 1);
        r.Checkpoint();
        Free(r, 2);
        Free(r, 3);
        r.Cut("[test] first");
        Free(r, 4);
        r.Checkpoint(); // after the cut: ignored

        var rec = r.Read("[test] later");
        Assert.Equal([2L, 3L], rec.Windows[0].Select(o => o.Arg0));
        Assert.True(rec.Complete);
        Assert.Equal("[test] first", rec.Violation);
    }

    [Fact]
    public void The_recording_carries_the_last_checkpoint_snapshot_from_before_the_cut_and_the_holdings_derived_from_it()
    {
        var r = NewRecorder(1);
        var first = new AllocatorSnapshot("mainline", 1, PcpTestbed.Model.PageAlloc.PageblockNrPages, 4);
        var second = new AllocatorSnapshot("mainline", 1, PcpTestbed.Model.PageAlloc.PageblockNrPages, 4);
        first.Zone.NrFreePages = 500;
        second.Zone.NrFreePages = 511;
        r.Checkpoint(first, 0);
        Assert.Same(first, r.Snapshot);
        Free(r, 1);
        r.Checkpoint(second, 0);
        r.Cut("[test] first");
        r.Checkpoint(first, 0); // after the cut: ignored

        var recording = r.Read("[test] later");
        Assert.Same(second, recording.Snapshot);
        Assert.Equal(511, recording.Holdings!.NrFreePages);
        Assert.Null(NewRecorder(1).Read("[test] no checkpoint").Snapshot);
        Assert.Null(NewRecorder(1).Read("[test] no checkpoint").Holdings);
    }

    [Fact]
    public void The_recording_carries_the_first_cut_pfn_as_data()
    {
        var r = NewRecorder(1);
        Free(r, 1);
        r.Cut("[test] no pfn in this text", 0x21);

        var rec = r.Read("[test] later", 0x30);
        Assert.Equal(0x21, rec.ViolationPfn);
        Assert.Equal("[test] no pfn in this text", rec.Violation);

        var uncut = NewRecorder(1);
        Assert.Equal(0x30, uncut.Read("[test] read cuts", 0x30).ViolationPfn);
        Assert.Null(NewRecorder(1).Read("[test] pfn:21 in the text only").ViolationPfn);
    }

    [Fact]
    public void A_wrapped_ring_keeps_its_newest_entries_and_counts_the_lost()
    {
        var r = NewRecorder(1);
        for (var i = 0; i < 40; i++)
        {
            Free(r, i);
        }

        var rec = r.Read("[test] cut");
        Assert.Equal(Enumerable.Range(24, 16).Select(i => (long)i), rec.Windows[0].Select(o => o.Arg0));
        Assert.Equal(24, rec.Lost[0]);
        Assert.False(rec.Complete);
    }

    [Fact]
    public void After_the_cut_the_ring_freezes_half_a_ring_later_so_the_window_survives()
    {
        var r = NewRecorder(1);
        for (var i = 0; i < 10; i++)
        {
            Free(r, i);
        }

        r.Cut("[test] cut");
        for (var i = 10; i < 1000; i++)
        {
            Free(r, i);
        }

        Assert.Equal(Enumerable.Range(2, 8).Select(i => (long)i), r.Read("[test]").Windows[0].Select(o => o.Arg0));
    }

    [Fact]
    public void A_batch_cut_off_from_its_folios_is_left_out()
    {
        var r = NewRecorder(1);
        Free(r, 1);
        Begin(r, 0, AllocatorOp.FreeBatch, 3, 0);
        r.Folio(0, 5, 0);
        r.Cut("[test] between two folios");

        Assert.Equal([1L], r.Read("[test]").Windows[0].Select(o => o.Arg0));
    }

    [Fact]
    public void An_operation_in_progress_at_the_cut_is_in_the_window_ended_if_it_ended_before_the_read()
    {
        var r = NewRecorder(2);
        Free(r, 1);
        Begin(r, 0, AllocatorOp.Free, 2, 0);
        Begin(r, 1, AllocatorOp.Alloc, 0, 0xcc0);
        r.Cut("[test] both CPUs inside an operation");
        r.End(0, 0);
        Free(r, 3);

        var w = r.Read("[test]").Windows;
        Assert.Equal([new RecordedOp(AllocatorOp.Free, 1, 0, 0, 0, true, false), new RecordedOp(AllocatorOp.Free, 2, 0, 0, 0, true, false)], w[0]);
        Assert.Equal([new RecordedOp(AllocatorOp.Alloc, 0, 0xcc0, 0, 0, false, false)], w[1]);
    }

    [Fact]
    public void A_CPU_between_operations_at_the_cut_adds_nothing_after_it()
    {
        var r = NewRecorder(1);
        Free(r, 1);
        r.Cut("[test] between operations");
        Free(r, 2);

        Assert.Equal([1L], r.Read("[test]").Windows[0].Select(o => o.Arg0));
    }

    [Fact]
    public void A_batch_whose_folios_the_ring_overwrote_is_left_out()
    {
        var r = NewRecorder(1);
        Begin(r, 0, AllocatorOp.FreeBatch, 10, 0);
        for (var i = 0; i < 10; i++)
        {
            r.Folio(0, 100 + i, 0);
        }

        r.End(0, 0);
        for (var i = 0; i < 7; i++)
        {
            Free(r, i);
        }

        // 18 entries in a ring of 16: the batch's first two folios are gone.
        Assert.Equal(Enumerable.Range(0, 7).Select(i => (long)i), r.Read("[test]").Windows[0].Select(o => o.Arg0));
    }

    [Fact]
    public void Recording_ends_the_activity_record_operation()
    {
        var r = NewRecorder(1);
        Begin(r, 0, AllocatorOp.Alloc, 0, 0xcc0);
        Assert.Equal(AllocatorOp.Alloc, r.Activity.Read(0).Op);
        r.End(0, 5);
        Assert.Null(r.Activity.Read(0).Op);
    }

    private static FlightRecorder NewRecorder(int cpus) => new(new CpuActivityTable(cpus), 16);

    private static void Begin(FlightRecorder r, int cpu, AllocatorOp op, long arg0, long arg1) => r.Activity.Records[cpu].Begin(op, arg0, arg1);

    private static void Free(FlightRecorder r, long pfn)
    {
        Begin(r, 0, AllocatorOp.Free, pfn, 0);
        r.End(0, 0);
    }
}
