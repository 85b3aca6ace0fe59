using PcpTestbed.Stress.Tests.Support;

namespace PcpTestbed.Stress.Tests;

/// <summary>Every workload on every design: a short seeded run through the command line, audited, its JSON complete and consistent.</summary>
public class WorkloadMatrixTests
{
    public static TheoryData<string, string> Matrix()
    {
        var data = new TheoryData<string, string>();
        foreach (var workload in (string[])["page-fault", "purge", "exit", "udp", "cma", "mixed"])
        {
            foreach (var design in (string[])["mainline", "pageblock", "pageblock-cmafix", "pageblock-lockfree"])
            {
                data.Add(workload, design);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public void A_short_seeded_run_audits_clean_and_its_json_is_complete_and_consistent(string workload, string design)
    {
        var (outcome, run) = Shell.RunJson(0, "run", "--workload", workload, "--design", design, "--cpus", "4", "--ops", "2000",
            "--zone-size", "256M", "--seed", "7", "--audit-interval", "0.1", "--quiet");

        RunJson.AssertValid(run);
        Assert.Equal(workload, run.GetProperty("workload").GetString());
        Assert.Equal(design, run.GetProperty("design").GetString());
        Assert.Equal(4, run.GetProperty("cpus").GetInt32());
        Assert.True(run.GetProperty("allocations").GetInt64() > 0, outcome.Out);
        Assert.Contains("0 violations, 0 pages lost", outcome.Out);
    }

    [Fact]
    public void A_cma_run_on_a_synthetic_zone_gets_the_cma_share_it_asks_for()
    {
        var (outcome, run) = Shell.RunJson(0, "run", "--workload", "cma", "--cma-share", "25", "--ops", "500", "--zone-size", "256M", "--quiet");
        Assert.Equal("256M,cma=32@end", run.GetProperty("zone").GetString());
        Assert.Contains("cma=25%@end", outcome.Out);
    }

    [Fact]
    public void A_udp_run_starts_with_highatomic_blocks_and_memory_pressure_by_default()
    {
        var (_, run) = Shell.RunJson(0, "run", "--workload", "udp", "--ops", "500", "--zone-size", "256M", "--quiet");
        Assert.StartsWith("256M,highatomic=2", run.GetProperty("zone").GetString());
        Assert.True(run.GetProperty("pressure").GetBoolean());
        Assert.Equal(1024, run.GetProperty("highatomic").GetProperty("reservedStart").GetInt64());

        var (_, plain) = Shell.RunJson(0, "run", "--workload", "udp", "--ops", "500", "--zone-size", "256M", "--no-pressure", "--quiet");
        Assert.False(plain.GetProperty("pressure").GetBoolean());
    }

    [Fact]
    public void Purge_runs_on_one_cpu_as_a_sweeps_baseline()
    {
        var (_, run) = Shell.RunJson(0, "run", "--workload", "purge", "--cpus", "1", "--ops", "20000", "--zone-size", "64M", "--quiet");
        RunJson.AssertValid(run);
        Assert.True(run.GetProperty("frees").GetInt64() > 0, "a lone CPU purges its own queue");
    }

    [Fact]
    public void The_unchunked_pcp_free_switch_reaches_the_run_and_its_json()
    {
        var (outcome, run) = Shell.RunJson(0, "run", "--design", "mainline", "--unchunked-pcp-free", "--ops", "20000", "--zone-size", "64M", "--quiet");
        RunJson.AssertValid(run);
        Assert.True(run.GetProperty("unchunkedPcpFree").GetBoolean());
        Assert.Equal(0, run.GetProperty("allocator").GetProperty("freeCommitRelocks").GetInt64());
        Assert.Contains("unchunked pcp free (before 6.19)", outcome.Out);

        var (_, chunked) = Shell.RunJson(0, "run", "--design", "mainline", "--ops", "20000", "--zone-size", "64M", "--quiet");
        Assert.False(chunked.GetProperty("unchunkedPcpFree").GetBoolean());
    }

    [Fact]
    public void The_work_scale_and_the_free_batch_reach_the_run_and_its_json()
    {
        var (outcome, run) = Shell.RunJson(0, "run", "--design", "mainline", "--work-scale", "0", "--free-batch", "1", "--ops", "20000", "--zone-size", "64M", "--quiet");
        RunJson.AssertValid(run);
        Assert.Equal(0, run.GetProperty("workScale").GetDouble());
        Assert.Equal(1, run.GetProperty("freeBatch").GetInt32());
        Assert.Equal(0, run.GetProperty("allocator").GetProperty("freeBatches").GetInt64());
        Assert.All(run.GetProperty("work").GetProperty("charged").EnumerateObject(), c => Assert.Equal(0, c.Value.GetProperty("count").GetInt64()));
        Assert.Contains("no kernel work (--work-scale 0)", outcome.Out);
        Assert.Contains("single frees (--free-batch 1)", outcome.Out);

        var (plain, charged) = Shell.RunJson(0, "run", "--design", "mainline", "--ops", "20000", "--zone-size", "64M", "--quiet");
        Assert.Equal(1, charged.GetProperty("workScale").GetDouble());
        Assert.Equal(31, charged.GetProperty("freeBatch").GetInt32());
        Assert.True(charged.GetProperty("allocator").GetProperty("freeBatches").GetInt64() > 0, "page-fault's munmap did not batch");
        var work = charged.GetProperty("work");
        Assert.Equal("host", work.GetProperty("engine").GetString());
        Assert.Equal(900, work.GetProperty("costsNs").GetProperty("fault").GetDouble());
        Assert.Equal(900, work.GetProperty("chargesNs").GetProperty("fault").GetInt64());
        Assert.True(work.GetProperty("charged").GetProperty("clearPage").GetProperty("count").GetInt64() > 0, "no page cleared");
        Assert.True(work.GetProperty("calibration").GetProperty("spinNsPerIteration").GetDouble() > 0);
        Assert.True(charged.GetProperty("sizes").GetProperty("runLengthPages").GetInt32() > 0);
        Assert.Contains("kernel work charged: fault", plain.Out);
    }

    [Fact]
    public void A_default_size_that_does_not_fit_the_zone_is_capped_with_a_note()
    {
        var (outcome, run) = Shell.RunJson(0, "run", "--workload", "exit", "--cpus", "4", "--ops", "2000", "--zone-size", "256M", "--quiet");

        var sizes = run.GetProperty("sizes");
        Assert.True(sizes.GetProperty("exitFillPages").GetInt32() <= 8192, "the exit size was not capped to the zone");
        Assert.Contains("256 MiB", Assert.Single(sizes.GetProperty("notes").EnumerateArray()).GetString());
        Assert.Contains("size: exit: a 256 MiB process", outcome.Out);
    }

    [Fact]
    public void The_refill_switch_and_no_lock_stat_reach_the_run()
    {
        var (outcome, run) = Shell.RunJson(0, "run", "--design", "pageblock", "--refill-within-high", "--no-lock-stat", "--ops", "1000", "--zone-size", "64M", "--quiet");
        Assert.True(run.GetProperty("refillWithinHigh").GetBoolean());
        Assert.False(run.GetProperty("lockStat").GetProperty("recorded").GetBoolean());
        Assert.Empty(run.GetProperty("locks").EnumerateArray());
        Assert.Contains("not recorded (--no-lock-stat)", outcome.Out);
    }
}
