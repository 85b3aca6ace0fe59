using System.Diagnostics;
using System.Text.Json;
using PcpTestbed.Designs;
using PcpTestbed.Execution.Cpus;
using PcpTestbed.Execution.Locking;
using PcpTestbed.Model.Sync;
using PcpTestbed.Stress.Cli;
using PcpTestbed.Stress.Reports;

namespace PcpTestbed.Stress.Tests;

/// <summary>
/// Issue 16: a run that hung is written to the JSON of run, compare and soak as a broken run carrying the stuck-CPU
/// report, block by block; and the watchdog's verdict decides the exit code: 3 for a failure of the design, 1 for a
/// fault of the testbed.
/// </summary>
public class StuckReportJsonTests
{
    /// <summary>A report of CPU 0 stuck in drain_all_pages() holding CPU 1's pcp->lock, taken through the public seam.</summary>
    private static StuckCpuReport HungDrain()
    {
        var activity = new CpuActivityTable(2);
        var exec = new OsExecution<NoLockProbe>(default, activity);
        var words = new[] { new EmuSpinLock(LockClass.Zone, 0), new EmuSpinLock(LockClass.Pcp, 0), new EmuSpinLock(LockClass.Pcp, 1) };
        exec.OpBegin(0, AllocatorOp.DrainAllPages, 0, 0);
        exec.Lock(ref words[2], 0, LockSite.PcpDrain);
        var watchdog = new CpuWatchdog(2, activity, () => words, "mixed, mainline");
        watchdog.Sample();
        return watchdog.Report("take CPU 0 offline", TimeSpan.FromSeconds(30), Stopwatch.GetTimestamp(), [0], _ => CpuState.Running, _ => null);
    }

    private static StuckCpuReport WithKind(HangKind kind) => HungDrain() with { LooksLike = kind };

    [Fact]
    public void A_broken_run_is_written_with_its_stuck_cpu_blocks_in_the_runners_json_conventions()
    {
        var report = HungDrain();
        var broken = new BrokenRun("mainline", "mixed", 2, 77, "1G", ["cpu-hotplug"], "QuiescenceTimeoutException: take CPU 0 offline: ...", true, report);

        using var doc = JsonDocument.Parse(JsonSerializer.Serialize(broken, Json.Options));
        var root = doc.RootElement;

        Assert.Equal("mainline", root.GetProperty("design").GetString());
        Assert.True(root.GetProperty("designFailure").GetBoolean());
        var stuck = root.GetProperty("stuck");
        Assert.Equal("take CPU 0 offline", stuck.GetProperty("operation").GetString());
        Assert.Equal(30, stuck.GetProperty("waitedSeconds").GetDouble());
        Assert.Equal("mixed, mainline", stuck.GetProperty("label").GetString());
        Assert.Equal("stuck-in-operation", stuck.GetProperty("looksLike").GetString());
        Assert.True(stuck.GetProperty("designFailure").GetBoolean());
        Assert.Equal(report.Verdict, stuck.GetProperty("verdict").GetString());
        Assert.False(stuck.TryGetProperty("holderFault", out _), "an exception is not part of the JSON");

        var cpu = Assert.Single(stuck.GetProperty("cpus").EnumerateArray());
        Assert.Equal(0, cpu.GetProperty("cpu").GetInt32());
        Assert.Equal("running", cpu.GetProperty("state").GetString());
        Assert.Equal("drain_all_pages()", cpu.GetProperty("operation").GetString());
        Assert.Equal("drain_pages_zone", cpu.GetProperty("function").GetString());
        var held = Assert.Single(cpu.GetProperty("heldLocks").EnumerateArray());
        Assert.Equal("&pcp->lock#1", held.GetProperty("lock").GetString());
        Assert.Equal("drain_pages_zone", held.GetProperty("site").GetString());
        Assert.False(cpu.TryGetProperty("spinningOn", out _), "a CPU spinning on nothing has no spinningOn");
        Assert.Equal("stuck-in-operation", cpu.GetProperty("looksLike").GetString());

        // The block as printed, line for line.
        Assert.Equal(report.Cpus[0].Text, cpu.GetProperty("text").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal("  #0: &pcp->lock#1, acquired at drain_pages_zone", cpu.GetProperty("text")[3].GetString());
    }

    [Theory]
    [InlineData(HangKind.Deadlock, true)]
    [InlineData(HangKind.LockHolderGone, true)]
    [InlineData(HangKind.StuckInOperation, true)]
    [InlineData(HangKind.Starvation, false)]
    [InlineData(HangKind.OutsideAllocator, false)]
    public void A_hang_is_a_finding_of_the_design_exit_3_only_when_the_watchdog_says_so(HangKind kind, bool finding)
    {
        var e = new QuiescenceTimeoutException("stop the world: no quiescent point", [0], WithKind(kind));

        Assert.Equal(finding, RunFailures.IsFinding(e));
        Assert.Equal(finding, RunFailures.IsFinding(new BrokenRunException(
            new BrokenRun("mainline", "mixed", 2, 1, "1G", [], e.Message, finding, e.Report), [], e)));
    }

    [Fact]
    public void A_lock_never_released_because_its_holder_died_is_as_much_a_finding_as_what_killed_the_holder()
    {
        var report = WithKind(HangKind.LockHolderGone);

        Assert.True(RunFailures.IsFinding(new QuiescenceTimeoutException("m", [0], report, new PcpHangException("spins over empty lists"))));
        Assert.False(RunFailures.IsFinding(new QuiescenceTimeoutException("m", [0], report, new NullReferenceException())));
    }

    [Fact]
    public void A_throw_after_the_runs_first_violation_is_that_violations_aftermath_and_a_finding()
    {
        var fault = new AggregateException("1 CPU(s) faulted", new IndexOutOfRangeException());

        Assert.False(RunFailures.IsFinding(fault));
        Assert.True(RunFailures.IsFinding(new Workloads.Run.ViolationAftermathException("[§7.4 ownership] pfn:600: ...", fault)));
    }

    [Fact]
    public void An_oops_is_a_finding_only_with_a_bug_injected()
    {
        var oops = new AggregateException("1 CPU(s) faulted", new IndexOutOfRangeException());

        Assert.True(RunFailures.IsFinding(oops, Designs.InjectedBug.OwnerTagClearedBeforeUnlink));
        Assert.False(RunFailures.IsFinding(oops, Designs.InjectedBug.None));
        Assert.False(RunFailures.IsFinding(new AggregateException("1 CPU(s) faulted", new InvalidCastException()), Designs.InjectedBug.OwnerTagClearedBeforeUnlink));
    }

    [Fact]
    public void The_report_is_found_behind_the_exceptions_a_run_throws()
    {
        var e = new QuiescenceTimeoutException("m", [0], HungDrain());

        Assert.Same(e.Report, RunFailures.StuckReport(e));
        Assert.Same(e.Report, RunFailures.StuckReport(new AggregateException(new InvalidOperationException("x"), e)));
        Assert.Same(e.Report, RunFailures.StuckReport(new InvalidOperationException("work posted to CPU 3 failed", e)));
        Assert.Null(RunFailures.StuckReport(new InvalidOperationException("no hang")));
    }
}
