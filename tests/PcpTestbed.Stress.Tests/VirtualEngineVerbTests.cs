using PcpTestbed.Execution.Virtual;
using PcpTestbed.Stress.Tests.Support;

namespace PcpTestbed.Stress.Tests;

/// <summary>
/// The measuring verbs on the virtual-time engine (--engine virtual): the same options give byte-identical JSON, every
/// time in it virtual and nothing from the host; 256 CPUs run on this host; a calibrated cost model is charged end to end.
/// </summary>
public class VirtualEngineVerbTests
{
    public static TheoryData<string, string, string> DesignsAndWorkloads()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var design in (string[])["mainline", "pageblock", "pageblock-cmafix", "pageblock-lockfree"])
        {
            data.Add(design, "page-fault", "none");
            data.Add(design, "purge", "all");
        }

        return data;
    }

    private static string[] Virtual(string design, string workload, string faults, string seconds) =>
        ["run", "--engine", "virtual", "--design", design, "--workload", workload, "--cpus", "4", "--zone-size", "256M", "--seconds", seconds,
         "--faults", faults, "--quiet"];

    [Theory]
    [MemberData(nameof(DesignsAndWorkloads))]
    public void Two_virtual_runs_with_the_same_options_write_identical_json(string design, string workload, string faults)
    {
        var args = Virtual(design, workload, faults, "0.6");
        var first = TempDirectory.Process.NewFile(".json");
        var second = TempDirectory.Process.NewFile(".json");

        var a = Shell.Run([.. args, "--json", first]);
        var b = Shell.Run([.. args, "--json", second]);

        Assert.True(a.Exit == 0, a.ToString());
        Assert.True(b.Exit == 0, b.ToString());
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));

        // Not trivially equal: the run did work, met on zone->lock, and with faults the faults happened.
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(first));
        var run = doc.RootElement;
        RunJson.AssertValid(run);
        Assert.True(run.GetProperty("allocations").GetInt64() > 0);
        Assert.True(RunJson.Lock(run, "zone->lock").GetProperty("acquisitions").GetInt64() > 0);
        if (faults == "all")
        {
            var events = run.GetProperty("faultEvents");
            Assert.True(events.GetProperty("offlines").GetInt64() + events.GetProperty("exhaustions").GetInt64() > 0, events.ToString());
        }
    }

    [Fact]
    public void A_virtual_run_records_its_engine_and_cost_model_and_nothing_from_the_host()
    {
        var (_, run) = Shell.RunJson(0, Virtual("pageblock", "page-fault", "none", "0.1"));

        var engine = run.GetProperty("engine");
        Assert.Equal("virtual", engine.GetProperty("name").GetString());
        Assert.True(engine.GetProperty("virtualTime").GetBoolean());
        var cost = engine.GetProperty("costModel");
        Assert.Equal("default", cost.GetProperty("file").GetString());
        Assert.Equal(64, cost.GetProperty("sha256").GetString()!.Length);
        var constants = cost.GetProperty("constants");
        Assert.Equal(CostConstants.Count, constants.EnumerateObject().Count());
        foreach (var c in CostConstants.All)
        {
            Assert.Equal(CostModel.Default[c], constants.GetProperty(CostConstants.Info(c).Path).GetDouble());
        }

        var approximation = engine.GetProperty("approximation").EnumerateArray().ToList();
        Assert.Contains(approximation, a => a.GetProperty("lock").GetString() == "zone->lock" && a.GetProperty("acquisitions").GetInt64() > 0);
        Assert.False(run.TryGetProperty("host", out _), "a virtual run's JSON must not depend on the host");
        Assert.False(run.GetProperty("work").TryGetProperty("calibration", out _), "no host busy-loop calibration in virtual time");
        Assert.Equal(0, run.GetProperty("lockStat").GetProperty("clockReadNs").GetDouble());
    }

    [Fact]
    public void A_threads_run_says_so_and_keeps_its_host()
    {
        var (_, run) = Shell.RunJson(0, "run", "--design", "mainline", "--cpus", "2", "--zone-size", "256M", "--ops", "2000", "--quiet");

        Assert.Equal("threads", run.GetProperty("engine").GetProperty("name").GetString());
        Assert.False(run.GetProperty("engine").GetProperty("virtualTime").GetBoolean());
        Assert.True(run.GetProperty("host").GetProperty("cores").GetInt32() > 0);
    }

    [Fact]
    public void A_virtual_run_with_a_bug_ends_at_its_first_violation_as_a_run_on_threads_does()
    {
        // cma-phases-as-posted breaks --debug-vm's check within the first virtual millisecond; the run asks for 5 s.
        var (outcome, doc) = Shell.RunJson(3, "run", "--engine", "virtual", "--bug", "cma-phases-as-posted", "--design", "pageblock-cmafix",
            "--workload", "cma", "--cpus", "2", "--zone-size", "64M", "--debug-vm", "--faults", "drain-storm", "--seconds", "5", "--quiet");

        var run = doc.TryGetProperty("broken", out var broken) ? broken : doc;
        Assert.True(run.GetProperty("invariantViolations").GetInt64() > 0, outcome.ToString());
        Assert.True(run.GetProperty("seconds").GetDouble() < 1, $"ran {run.GetProperty("seconds").GetDouble()} s of virtual time past its first violation");
    }

    [Fact]
    public void Two_hundred_fifty_six_cpus_run_on_this_host_in_virtual_time()
    {
        var (outcome, run) = Shell.RunJson(0, "run", "--engine", "virtual", "--design", "mainline", "--workload", "page-fault", "--cpus", "256",
            "--zone-size", "1G", "--seconds", "0.01", "--quiet");

        Assert.Equal(256, run.GetProperty("cpus").GetInt32());
        Assert.True(run.GetProperty("engine").GetProperty("steps").GetInt64() >= 256 * 10, outcome.ToString());
        Assert.Equal(0, run.GetProperty("invariantViolations").GetInt64());
        Assert.Equal(0, run.GetProperty("pagesLost").GetInt64());
        var zone = RunJson.Lock(run, "zone->lock");
        Assert.True(zone.GetProperty("contentions").GetInt64() > 0, "256 CPUs faulting met on zone->lock");
        Assert.Contains("times in virtual ns", outcome.Out);
    }

    [Fact]
    public void Calibrate_out_then_cost_model_charges_the_calibrated_constants()
    {
        var model = TempDirectory.Process.NewFile(".json");
        var calibrated = Shell.Run("calibrate", "--rounds", "1", "--out", model);
        Assert.True(calibrated.Exit == 0, calibrated.ToString());
        var loaded = CostModelFile.Load(model);

        var (_, run) = Shell.RunJson(0, [.. Virtual("mainline", "page-fault", "none", "0.05"), "--cost-model", model]);

        var cost = run.GetProperty("engine").GetProperty("costModel");
        Assert.Equal(model, cost.GetProperty("file").GetString());
        Assert.Equal(loaded.Source, cost.GetProperty("source").GetString());
        foreach (var c in CostConstants.All)
        {
            Assert.Equal(loaded[c], cost.GetProperty("constants").GetProperty(CostConstants.Info(c).Path).GetDouble());
        }

        // The model is what was charged: the same run on the defaults takes other virtual times (unless calibrate found the defaults exactly).
        var (_, onDefaults) = Shell.RunJson(0, Virtual("mainline", "page-fault", "none", "0.05"));
        if (!loaded.SameValues(CostModel.Default))
        {
            Assert.NotEqual(onDefaults.GetProperty("engine").GetProperty("costModel").GetProperty("sha256").GetString(), cost.GetProperty("sha256").GetString());
            Assert.NotEqual(RunJson.Lock(onDefaults, "zone->lock").GetProperty("holdNs").GetProperty("mean").GetDouble(),
                RunJson.Lock(run, "zone->lock").GetProperty("holdNs").GetProperty("mean").GetDouble());
        }
    }

    [Fact]
    public void Compare_sweep_and_soak_take_the_virtual_engine()
    {
        var (_, compare) = Shell.RunJson(0, "compare", "--engine", "virtual", "--designs", "mainline,pageblock", "--cpus", "4", "--zone-size", "256M",
            "--seconds", "0.05", "--quiet");
        var (_, sweep) = Shell.RunJson(0, "sweep", "--engine", "virtual", "--designs", "mainline", "--cpus", "1,8", "--zone-size", "256M",
            "--seconds", "0.05", "--quiet");
        var (_, soak) = Shell.RunJson(0, "soak", "--engine", "virtual", "--design", "pageblock", "--cpus", "4", "--zone-size", "256M",
            "--seconds", "0.3", "--quiet");

        var runs = compare.GetProperty("runs").EnumerateArray().Concat(sweep.GetProperty("runs").EnumerateArray()).Append(soak.GetProperty("run")).ToList();
        Assert.Equal(5, runs.Count);
        Assert.All(runs, r => Assert.Equal("virtual", r.GetProperty("engine").GetProperty("name").GetString()));
    }
}
