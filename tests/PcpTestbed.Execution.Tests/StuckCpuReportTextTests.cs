using System.Diagnostics;
using System.Text.RegularExpressions;
using PcpTestbed.Execution.Cpus;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Tests;

/// <summary>
/// The stuck-CPU report's text, from activity records and lock words set up by hand (no threads): the kernel's
/// soft-lockup first line, lockdep's held-lock list, the chain of CPUs behind a lock, the other lock holders, the verdict.
/// </summary>
public partial class StuckCpuReportTextTests
{
    [GeneratedRegex(@"\d+\.\d s")]
    private static partial Regex Seconds();

    /// <summary>The text with every time replaced by "T s": times depend on how fast the test runs.</summary>
    private static string[] Timeless(IEnumerable<string> lines) => [.. lines.Select(l => Seconds().Replace(l, "T s"))];

    [Fact]
    public void A_stuck_cpu_is_printed_with_what_it_does_its_locks_its_wait_and_the_chain_of_cpus_behind_the_lock()
    {
        const int cpus = 4;
        var activity = new CpuActivityTable(cpus);
        var words = new EmuSpinLock[1 + cpus];
        words[0] = new EmuSpinLock(LockClass.Zone, 0);
        for (var cpu = 0; cpu < cpus; cpu++)
        {
            words[1 + cpu] = new EmuSpinLock(LockClass.Pcp, cpu);
        }

        void Hold(int lockIndex, int cpu, LockSite site)
        {
            words[lockIndex].State = cpu + 1;
            words[lockIndex].HoldSite = site;
        }

        // CPU 1 drains CPU 0's PCP and spins on zone->lock, which CPU 2 holds for a refill while it spins on CPU 3's
        // pcp->lock; CPU 3 holds that in a free that never ends.
        activity.Records[1].Begin(AllocatorOp.DrainAllPages, 0, 0);
        Hold(1 + 0, 1, LockSite.PcpDrain);
        activity.Records[1].WaitBegin(ref words[0], LockSite.Drain);
        activity.Records[2].Begin(AllocatorOp.Alloc, 0, 0xcc0);
        Hold(0, 2, LockSite.Refill);
        activity.Records[2].WaitBegin(ref words[1 + 3], LockSite.PcpRemoteFree);
        activity.Records[3].Begin(AllocatorOp.Free, 0x1a2, 0);
        Hold(1 + 3, 3, LockSite.PcpFree);
        var watchdog = new CpuWatchdog(cpus, activity, () => words, "mixed, mainline");
        watchdog.Sample();
        var waitStart = Stopwatch.GetTimestamp();

        var report = watchdog.Report("take CPU 1 offline", TimeSpan.FromSeconds(30), waitStart, [1], _ => CpuState.Running, _ => null);

        Assert.Equal(
        [
            "BUG: soft lockup - CPU#1 stuck for 30s! [mixed, mainline]",
            " doing: drain_all_pages() on CPU 1, entered more than T s ago, in free_pcppages_bulk:drain",
            " 1 lock held by CPU 1:",
            "  #0: &pcp->lock#0, acquired at drain_pages_zone",
            " spinning on &zone->lock, held by CPU 2 (acquired at rmqueue_bulk), for T s; it has not changed hands meanwhile",
            "  CPU 2: in alloc_pages(gfp 0xcc0, order 0), free_unref_page:remote, spinning on &pcp->lock#3 for T s",
            "  CPU 2 spins on &pcp->lock#3 held by CPU 3 (acquired at free_unref_page) for T s",
            "  CPU 3: in __free_pages(pfn 0x1a2, order 0), free_unref_page",
            " looks like: a livelock (design): CPU 3 holds &pcp->lock#3 in one allocator call it has not left since before CPU 2 began spinning, and spins on no lock",
            "other CPUs holding locks:",
            " CPU 2 (in alloc_pages(gfp 0xcc0, order 0), free_unref_page:remote, spinning on &pcp->lock#3 for T s): &zone->lock at rmqueue_bulk",
            " CPU 3 (in __free_pages(pfn 0x1a2, order 0), free_unref_page): &pcp->lock#3 at free_unref_page",
            "verdict: a livelock or endless loop of the design (one allocator call, no lock wait, no progress). " +
            "CPU 3 holds &pcp->lock#3 in one allocator call it has not left since before CPU 2 began spinning, and spins on no lock",
        ],
            Timeless(report.Lines()));
        Assert.Equal("take CPU 1 offline", report.Operation);
        Assert.Equal(30, report.WaitedSeconds);
    }

    [Fact]
    public void A_lock_that_never_changed_hands_while_its_holder_went_on_to_other_calls_is_reported_as_never_released()
    {
        const int cpus = 2;
        var activity = new CpuActivityTable(cpus);
        var words = new[] { new EmuSpinLock(LockClass.Zone, 0), new EmuSpinLock(LockClass.Pcp, 0), new EmuSpinLock(LockClass.Pcp, 1) };
        words[2].State = 2;
        words[2].HoldSite = LockSite.PcpFree;
        var watchdog = new CpuWatchdog(cpus, activity, () => words);

        // CPU 0 spins on CPU 1's pcp->lock; CPU 1 returned from the free that took it and is in another call by now.
        activity.Records[1].Begin(AllocatorOp.Free, 0x40, 0);
        activity.Records[1].End();
        activity.Records[0].Begin(AllocatorOp.DrainAllPages, 0, 0);
        activity.Records[0].WaitBegin(ref words[2], LockSite.PcpDrain);
        watchdog.Sample();
        var waitStart = Stopwatch.GetTimestamp();
        activity.Records[1].Begin(AllocatorOp.Alloc, 0, 0xcc0);

        var report = watchdog.Report("stop the world", TimeSpan.FromSeconds(30), waitStart, [0], _ => CpuState.Running, _ => null);

        var stuck = Assert.Single(report.Cpus);
        Assert.Equal(HangKind.LockHolderGone, stuck.LooksLike);
        Assert.StartsWith("&pcp->lock#1 never changed hands while CPU 0 spun on it for ", stuck.Why);
        Assert.EndsWith(" s, yet its holder CPU 1 went on to other allocator calls: it keeps the lock across calls (returned from one holding it)", stuck.Why);
        Assert.True(report.DesignFailure);
    }

    [Fact]
    public void A_cycle_through_a_cpu_that_moved_while_the_report_read_the_lock_words_is_not_called_a_deadlock()
    {
        // Seen in the issue 16 soak before the fix: CPU 2 held zone->lock when the words were read and was spinning on
        // it again by the time its record was, which read as the cycle "CPU 2 -> CPU 2".
        const int cpus = 3;
        var activity = new CpuActivityTable(cpus);
        var words = new[] { new EmuSpinLock(LockClass.Zone, 0), new EmuSpinLock(LockClass.Pcp, 0), new EmuSpinLock(LockClass.Pcp, 1), new EmuSpinLock(LockClass.Pcp, 2) };
        words[0].State = 3;
        words[3].State = 3;
        activity.Records[1].Begin(AllocatorOp.DrainAllPages, 0, 0);
        activity.Records[1].WaitBegin(ref words[3], LockSite.PcpDrain);
        activity.Records[2].Begin(AllocatorOp.Free, 0x200, 9);
        var watchdog = new CpuWatchdog(cpus, activity, () =>
        {
            // CPU 2 finishes its free and spins on zone->lock in its next one, between the two reads of its record.
            activity.Records[2].End();
            activity.Records[2].Begin(AllocatorOp.Free, 0x400, 9);
            activity.Records[2].WaitBegin(ref words[0], LockSite.FreeBulk);
            return words;
        });
        watchdog.Sample();
        var waitStart = Stopwatch.GetTimestamp();

        var report = watchdog.Report("take CPU 1 offline", TimeSpan.FromSeconds(30), waitStart, [1], _ => CpuState.Running, _ => null);

        var stuck = Assert.Single(report.Cpus);
        Assert.Equal(HangKind.Starvation, stuck.LooksLike);
        Assert.Equal("CPU 2, which holds &pcp->lock#2, moved on to other work while the report read it: the lock is changing hands", stuck.Why);
        Assert.False(report.DesignFailure);
    }

    [Fact]
    public void A_cpu_that_took_locks_and_moved_on_during_the_wait_is_not_stuck_in_one_place()
    {
        // A drain_all_pages() that got CPU 0's lock and went on to CPU 2's during the wait: whatever holds CPU 2's now,
        // the drainer is moving, only slowly.
        const int cpus = 3;
        var activity = new CpuActivityTable(cpus);
        var words = new[] { new EmuSpinLock(LockClass.Zone, 0), new EmuSpinLock(LockClass.Pcp, 0), new EmuSpinLock(LockClass.Pcp, 1), new EmuSpinLock(LockClass.Pcp, 2) };
        words[3].State = 3;
        words[3].HoldSite = LockSite.PcpFree;
        activity.Records[1].Begin(AllocatorOp.DrainAllPages, 0, 0);
        activity.Records[2].Begin(AllocatorOp.Free, 0x10, 0);
        var watchdog = new CpuWatchdog(cpus, activity, () => words);
        watchdog.Sample();
        var waitStart = Stopwatch.GetTimestamp();
        activity.Records[1].WaitBegin(ref words[3], LockSite.PcpDrain);

        var report = watchdog.Report("take CPU 1 offline", TimeSpan.FromSeconds(30), waitStart, [1], _ => CpuState.Running, _ => null);

        var stuck = Assert.Single(report.Cpus);
        Assert.Equal(HangKind.Starvation, stuck.LooksLike);
        Assert.StartsWith("CPU 1 is not stuck in one place: it has taken locks and moved on inside its allocator call while the coordinator waited", stuck.Why);
    }

    [Fact]
    public void Without_activity_records_or_lock_words_a_report_still_names_each_stuck_cpu_and_its_state()
    {
        var watchdog = new CpuWatchdog(2);

        var report = watchdog.Report("end the run", TimeSpan.FromSeconds(30), Stopwatch.GetTimestamp(), [1],
            cpu => cpu == 1 ? CpuState.Parked : CpuState.Finished, _ => null);

        var stuck = Assert.Single(report.Cpus);
        Assert.Equal(CpuState.Parked, stuck.State);
        Assert.Equal(
            ["BUG: soft lockup - CPU#1 stuck for 30s!", " doing: parked at a quiescent point for a stop-the-world on CPU 1, in no allocator call", " no locks held by CPU 1"],
            stuck.Text.Take(3));
        Assert.Empty(report.OtherLockHolders);
    }
}
