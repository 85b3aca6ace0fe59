using PcpTestbed.Execution.Cpus;
using PcpTestbed.Execution.Recorder;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Tests;

/// <summary>
/// The flight recorder's one-compare fast path and its slow path: the coordinator's epoch sentinel in a CPU's ring limit,
/// the freeze a cut stores beside it, and each interleaving of the CPU, the coordinator and the cut that
/// <see cref="FlightRecorder"/>'s remarks list, played one step at a time.
/// </summary>
public class FlightRecorderSlowPathTests
{
    [Fact]
    public void Between_the_epoch_sentinel_and_the_epoch_entries_take_the_old_epoch_and_stay_on_the_slow_path()
    {
        var r = NewRecorder(1);
        Free(r, 0);
        var next = r.AnnounceEpoch();
        Free(r, 1);
        Free(r, 2);

        // The sentinel stays until the CPU sees the epoch it names: putting the limit back now would let its later entries
        // take the old epoch after another CPU's took the new one.
        Assert.Equal(FlightRecorder.Sentinel(next), Limit(r, 0));

        r.PublishEpoch(next);
        Free(r, 3);
        Assert.Equal(long.MaxValue, Limit(r, 0));
        Free(r, 4);

        Assert.Equal([0, 0, 0, 1, 1], r.Read("[test]").Windows[0].Select(o => o.Epoch));
    }

    [Fact]
    public void An_epoch_published_with_the_next_one_announced_is_marked_and_the_next_sentinel_stays()
    {
        var r = NewRecorder(1);
        r.AdvanceEpoch();
        var third = r.AnnounceEpoch();
        Free(r, 0);

        // The CPU read the sentinel of epoch 2 and the epoch 1: it marks 1, and leaves the sentinel for epoch 2.
        Assert.Equal(FlightRecorder.Sentinel(third), Limit(r, 0));
        r.PublishEpoch(third);
        Free(r, 1);
        Assert.Equal(long.MaxValue, Limit(r, 0));

        Assert.Equal([1, 2], r.Read("[test]").Windows[0].Select(o => o.Epoch));
    }

    [Fact]
    public void Putting_the_limit_back_never_undoes_a_sentinel_stored_since_the_CPU_read_its_own()
    {
        var r = NewRecorder(1);
        ref var a = ref r.Activity.Records[0];
        r.AdvanceEpoch();
        var seen = a.RingLimit;
        r.AdvanceEpoch(); // between the CPU's read of its limit and its CAS

        FlightRecorder.Reopen(ref a, seen, long.MaxValue);

        Assert.Equal(FlightRecorder.Sentinel(2), a.RingLimit);
    }

    [Fact]
    public void A_cut_leaves_a_sentinel_in_place_and_its_freeze_holds_after_the_slow_path()
    {
        var r = NewRecorder(1);
        r.AdvanceEpoch();
        r.Cut("[test] cut at 0");
        Assert.Equal(FlightRecorder.Sentinel(1), Limit(r, 0));

        for (var i = 0; i < 20; i++)
        {
            Free(r, i);
        }

        // The mark and the first 7 entries fill the half ring (8) the cut left; the limit is the freeze again.
        Assert.Equal(8, Limit(r, 0));
        Assert.Equal(8, r.Activity.Records[0].RingPos);
    }

    [Fact]
    public void A_cut_between_the_CPU_read_of_the_freeze_and_its_CAS_still_freezes_the_ring()
    {
        var r = NewRecorder(1);
        ref var a = ref r.Activity.Records[0];
        r.AdvanceEpoch();
        var sentinel = a.RingLimit;
        var freezeRead = a.RingFreeze; // long.MaxValue: the CPU's read, before the cut
        r.Cut("[test] cut");

        FlightRecorder.Reopen(ref a, sentinel, freezeRead);

        Assert.Equal(8, a.RingLimit);
    }

    [Fact]
    public void A_frozen_ring_sent_to_the_slow_path_by_an_epoch_writes_nothing_more()
    {
        var r = NewRecorder(1);
        for (var i = 0; i < 4; i++)
        {
            Free(r, i);
        }

        r.Cut("[test] cut at 4");
        for (var i = 4; i < 40; i++)
        {
            Free(r, i);
        }

        r.AdvanceEpoch();
        for (var i = 40; i < 50; i++)
        {
            Free(r, i);
            Begin(r, AllocatorOp.FreeBatch, 1, 0);
            r.Folio(0, 0x500 + i, 0);
            r.End(0, 0);
        }

        Assert.Equal(12, r.Activity.Records[0].RingPos);
        Assert.Equal([0L, 1L, 2L, 3L], r.Read("[test]").Windows[0].Select(o => o.Arg0));
    }

    [Fact]
    public void Folios_that_meet_a_sentinel_are_kept_and_their_batch_is_marked_with_the_new_epoch()
    {
        var r = NewRecorder(1);
        Begin(r, AllocatorOp.FreeBatch, 2, 0);
        r.Folio(0, 0x10, 0);
        r.AdvanceEpoch();
        r.Folio(0, 0x11, 1);
        r.End(0, 0);

        Assert.Equal(
        [
            new RecordedOp(AllocatorOp.FreeBatch, 2, 0, 0, 1, true, false),
            new RecordedOp(AllocatorOp.FreeBatch, 0x10, 0, 0, 1, true, true),
            new RecordedOp(AllocatorOp.FreeBatch, 0x11, 1, 0, 1, true, true),
        ], r.Read("[test]").Windows[0]);
    }

    [Fact]
    public void Entries_a_CPU_overwrote_writing_past_its_freeze_before_the_cut_lowered_its_limit_are_left_out()
    {
        var r = NewRecorder(1);
        ref var a = ref r.Activity.Records[0];
        for (var i = 0; i < 8; i++)
        {
            Free(r, i);
        }

        r.Cut("[test] cut at 8"); // the freeze at 16

        // The CPU's fast path ran between the cut's read of its position and the cut's Lower of its limit: the limit it
        // compared against was still long.MaxValue. It wrote positions 8..19, past the freeze, over positions 0..3.
        a.RingLimit = long.MaxValue;
        for (var i = 8; i < 20; i++)
        {
            Free(r, i);
        }

        Assert.Equal(20, a.RingPos);
        var recording = r.Read("[test]");
        Assert.Equal([4L, 5L, 6L, 7L], recording.Windows[0].Select(o => o.Arg0));
        Assert.Equal(4L, recording.Lost[0]);
    }

    [Fact]
    public void Every_CPU_gets_the_sentinel_before_the_epoch_is_published()
    {
        var r = NewRecorder(3);
        var next = r.AnnounceEpoch();

        Assert.All(Enumerable.Range(0, 3), cpu => Assert.Equal(FlightRecorder.Sentinel(next), Limit(r, cpu)));

        // Each CPU ends an operation between the announce and the publish: it is sent to the slow path, and takes the old epoch.
        for (var cpu = 0; cpu < 3; cpu++)
        {
            r.Activity.Records[cpu].Begin(AllocatorOp.Free, cpu, 0);
            r.End(cpu, 0);
        }

        r.PublishEpoch(next);
        Assert.All(r.Read("[test]").Windows, w => Assert.Equal([0], w.Select(o => o.Epoch)));
    }

    [Fact]
    public void On_real_threads_the_window_is_each_CPU_consecutive_operations_while_the_epochs_advance_around_the_cut()
    {
        const int cpus = 2;
        var r = NewRecorder(cpus);
        var stop = 0;
        using var start = new Barrier(cpus + 1);
        var threads = Enumerable.Range(0, cpus).Select(cpu => new Thread(() =>
        {
            start.SignalAndWait();
            for (var i = 0; Volatile.Read(ref stop) == 0; i++)
            {
                r.Activity.Records[cpu].Begin(AllocatorOp.Free, i, 0);
                r.End(cpu, 0);
            }
        })).ToArray();
        foreach (var t in threads)
        {
            t.Start();
        }

        // The coordinator advances epochs as fast as it can while the CPUs run, their CAS back from each sentinel racing the
        // next, and cuts halfway. Whatever the interleaving, each window is the CPU's consecutive operations, none read from
        // a slot the CPU overwrote (it may pass its freeze for an instant, before the cut's Lower of its limit lands).
        start.SignalAndWait();
        for (var advances = 0; advances < 20_000; advances++)
        {
            r.AdvanceEpoch();
            if (advances == 10_000)
            {
                // The cut finds every CPU on its fast path (its limit put back since the last epoch).
                Assert.True(
                    SpinWait.SpinUntil(() => Enumerable.Range(0, cpus).All(cpu => Volatile.Read(ref r.Activity.Records[cpu].RingLimit) == long.MaxValue), SpinTimeout),
                    "a CPU's limit was never put back from the last epoch's sentinel");
                r.Cut("[test] cut among the epochs");

                // Every CPU runs on past its freeze's distance (half a ring) with no new epoch to send it to the slow path:
                // the cut's own limit must stop it.
                var seqs = Enumerable.Range(0, cpus).Select(r.Activity.OpSeq).ToArray();
                Assert.True(
                    SpinWait.SpinUntil(() => Enumerable.Range(0, cpus).All(cpu => r.Activity.OpSeq(cpu) >= seqs[cpu] + 100), SpinTimeout),
                    "a CPU stopped running after the cut");
            }
        }

        Volatile.Write(ref stop, 1);
        foreach (var t in threads)
        {
            t.Join();
        }

        var recording = r.Read("[test]");
        for (var cpu = 0; cpu < cpus; cpu++)
        {
            var a = r.Activity.Records[cpu];
            Assert.True(a.RingLimit <= a.RingFreeze, $"CPU {cpu}'s limit {a.RingLimit} is above its freeze {a.RingFreeze}");
            var pfns = recording.Windows[cpu].Select(o => o.Arg0).ToArray();
            Assert.All(recording.Windows[cpu], o => Assert.Equal(AllocatorOp.Free, o.Op));
            for (var i = 1; i < pfns.Length; i++)
            {
                Assert.True(pfns[i] == pfns[i - 1] + 1, $"CPU {cpu}'s window is not its consecutive operations: [{string.Join(", ", pfns)}]");
            }
        }
    }

    /// <summary>A bound on the real-thread test's waits, so that a CPU that stops (a broken Reopen) fails it instead of hanging it.</summary>
    private static readonly TimeSpan SpinTimeout = TimeSpan.FromMinutes(1);

    private static FlightRecorder NewRecorder(int cpus) => new(new CpuActivityTable(cpus), 16);

    private static long Limit(FlightRecorder r, int cpu) => r.Activity.Records[cpu].RingLimit;

    private static void Begin(FlightRecorder r, AllocatorOp op, long arg0, long arg1) => r.Activity.Records[0].Begin(op, arg0, arg1);

    private static void Free(FlightRecorder r, long pfn)
    {
        Begin(r, AllocatorOp.Free, pfn, 0);
        r.End(0, 0);
    }
}
