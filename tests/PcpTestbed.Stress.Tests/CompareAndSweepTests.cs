using System.Text.Json;
using PcpTestbed.Stress.Commands;
using PcpTestbed.Stress.Tests.Support;

namespace PcpTestbed.Stress.Tests;

public class CompareAndSweepTests
{
    private static readonly (string Key, Func<JsonElement, double?> Value)[] Recomputed =
    [
        ("opsPerSecond", r => r.GetProperty("opsPerSecond").GetDouble()),
        ("failures", r => r.GetProperty("failures").GetInt64()),
        ("zoneLockAcquisitions", r => RunJson.Lock(r, "zone->lock").GetProperty("acquisitions").GetInt64()),
        ("zoneLockContentions", r => RunJson.Lock(r, "zone->lock").GetProperty("contentions").GetInt64()),
        ("zoneLockWaitP99", r => Time(RunJson.Lock(r, "zone->lock"), "waitNs", "p99")),
        ("zoneLockHoldP99", r => Time(RunJson.Lock(r, "zone->lock"), "holdNs", "p99")),
        ("zoneLockHoldMean", r => Time(RunJson.Lock(r, "zone->lock"), "holdNs", "mean")),
        ("pcpLockTrylockFailures", r => RunJson.Lock(r, "pcp->lock").GetProperty("trylockFailures").GetInt64()),
        ("pcpLockHoldP99", r => Time(RunJson.Lock(r, "pcp->lock"), "holdNs", "p99")),
        ("zoneLockUtilisation", r => RunJson.Lock(r, "zone->lock").GetProperty("duty").GetProperty("utilisation").GetDouble()),
        ("pcpLockDutyMax", r => RunJson.Lock(r, "pcp->lock").GetProperty("duty").GetProperty("max").GetDouble()),
        ("pcpLockTrylockFailuresPerThousandOps", r => RunJson.Lock(r, "pcp->lock").GetProperty("trylockFailures").GetInt64()
            / (double)(r.GetProperty("allocations").GetInt64() + r.GetProperty("frees").GetInt64())),
    ];

    [Fact]
    public void Compare_writes_every_run_and_ratios_that_are_the_runs_values_over_the_baselines()
    {
        var (outcome, doc) = Shell.RunJson(0, "compare", "--designs", "mainline,pageblock,pageblock-lockfree", "--workload", "purge", "--cpus", "3",
            "--ops", "3000", "--zone-size", "128M", "--seed", "11", "--hold-sample", "1", "--quiet");
        var runs = doc.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(["mainline", "pageblock", "pageblock-lockfree"], runs.Select(r => r.GetProperty("design").GetString()));
        foreach (var run in runs)
        {
            RunJson.AssertValid(run);
            Assert.Equal(11, run.GetProperty("seed").GetInt64());
            Assert.Equal("128M", run.GetProperty("zone").GetString());
        }

        var ratios = doc.GetProperty("ratios").EnumerateArray().ToList();
        Assert.Equal(2, ratios.Count);
        for (var i = 0; i < ratios.Count; i++)
        {
            var ratio = ratios[i];
            Assert.Equal("mainline", ratio.GetProperty("baseline").GetString());
            Assert.Equal(runs[i + 1].GetProperty("design").GetString(), ratio.GetProperty("design").GetString());
            var metrics = ratio.GetProperty("metrics");
            foreach (var (key, value) in Recomputed)
            {
                var expected = value(runs[0]) is { } b && b != 0 && value(runs[i + 1]) is { } v ? v / b : (double?)null;
                var actual = metrics.GetProperty(key);
                if (expected == null)
                {
                    Assert.Equal(JsonValueKind.Null, actual.ValueKind);
                }
                else
                {
                    Assert.Equal(expected.Value, actual.GetDouble(), 9);
                }
            }
        }

        Assert.Contains("ratio = design / mainline", outcome.Out);
        Assert.Contains("zone->lock utilisation", outcome.Out);
        Assert.Contains("pcp->lock duty, busiest CPU", outcome.Out);
        if (runs.Any(r => RunJson.Lock(r, "pcp->lock").GetProperty("trylockFailures").GetInt64() > 0))
        {
            Assert.Contains("failed trylocks by the site holding the lock", outcome.Out);
        }
    }

    [Fact]
    public void Compare_on_a_cma_zone_puts_the_cma_percentages_of_the_designs_side_by_side()
    {
        var (outcome, doc) = Shell.RunJson(0, "compare", "--designs", "pageblock,pageblock-cmafix", "--workload", "cma", "--cpus", "2",
            "--ops", "3000", "--zone-size", "128M,cma=75%", "--quiet");
        var runs = doc.GetProperty("runs").EnumerateArray().ToList();
        foreach (var run in runs)
        {
            RunJson.AssertValid(run);
            var cma = run.GetProperty("cma");
            Assert.InRange(cma.GetProperty("freeShareMean").GetDouble(), cma.GetProperty("freeShareMin").GetDouble(), cma.GetProperty("freeShareMax").GetDouble());
            Assert.Equal(0.75, run.GetProperty("freePages").GetProperty("samples")[0].GetProperty("nrFreeCma").GetDouble()
                               / run.GetProperty("freePages").GetProperty("samples")[0].GetProperty("nrFreePages").GetDouble(), 9);
            Assert.True(cma.GetProperty("movableAllocationsWhileCmaOverHalf").GetInt64() > 0, "free CMA starts at three quarters of free pages");
        }

        var metrics = doc.GetProperty("ratios")[0].GetProperty("metrics");
        Assert.True(metrics.TryGetProperty("cmaFreeShareMean", out _));
        Assert.True(metrics.TryGetProperty("cmaFromCmaShareWhileOverHalf", out _));
        Assert.Contains("CMA (the RFC review's question", outcome.Out);
        Assert.Contains("movable allocations while free CMA > half of free", outcome.Out);
        Assert.Contains("free CMA / free pages, mean", outcome.Out);
    }

    [Fact]
    public void Compare_needs_two_designs()
    {
        var outcome = Shell.Run("compare", "--designs", "mainline", "--ops", "10");
        Assert.Equal(2, outcome.Exit);
        Assert.StartsWith("error: compare needs at least two designs", Assert.Single(outcome.ErrLines));
    }

    [Fact]
    public void Sweep_runs_each_design_at_each_cpu_count()
    {
        var (outcome, doc) = Shell.RunJson(0, "sweep", "--cpus", "2,1", "--designs", "mainline,pageblock", "--ops", "2000", "--zone-size", "64M", "--quiet");
        Assert.Equal([1, 2], doc.GetProperty("cpus").EnumerateArray().Select(c => c.GetInt32()));
        Assert.Equal(["mainline", "pageblock"], doc.GetProperty("designs").EnumerateArray().Select(c => c.GetString()));
        var runs = doc.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal([(1, "mainline"), (1, "pageblock"), (2, "mainline"), (2, "pageblock")],
            runs.Select(r => (r.GetProperty("cpus").GetInt32(), r.GetProperty("design").GetString()!)));
        runs.ForEach(RunJson.AssertValid);
        Assert.Contains("sweep", outcome.Out);
    }

    [Fact]
    public void The_default_job_is_compare_of_mainline_and_pageblock_on_purge_with_4_cpus_for_3_seconds_on_1G()
    {
        Assert.Equal(["compare"], StressCommandLine.DefaultJob);
        Assert.Equal([Designs.DesignKind.Mainline, Designs.DesignKind.Pageblock], CompareCommand.Defaults.Designs);
        Assert.Equal(Workloads.Kinds.WorkloadKind.Purge, CompareCommand.Defaults.Workload);
        Assert.Equal([4], CompareCommand.Defaults.Cpus);
        Assert.Equal(3, CompareCommand.Defaults.Seconds);
        Assert.Equal("1G", PcpTestbed.Stress.Cli.ZoneSource.DefaultSize);
    }

    private static double? Time(JsonElement l, string kind, string stat) =>
        l.GetProperty(kind).GetProperty("count").GetInt64() == 0 ? null : l.GetProperty(kind).GetProperty(stat).GetDouble();
}
