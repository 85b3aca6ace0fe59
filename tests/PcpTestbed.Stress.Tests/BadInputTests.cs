using PcpTestbed.Stress.Tests.Support;

namespace PcpTestbed.Stress.Tests;

/// <summary>Bad input ends in exit code 2 and one line "error: ..." naming what is wrong; never a stack trace.</summary>
public class BadInputTests
{
    private static readonly string EmptyFolder = Directory.CreateDirectory(Path.Combine(TempDirectory.Process.Path, "empty-proc")).FullName;

    public static TheoryData<string[], string> Cases()
    {
        var unwritable = Path.Combine("/proc", "pcptestbed-cannot-write-here.json");
        var damaged = TempDirectory.Process.NewFile(".trace.json");
        File.WriteAllText(damaged, "{\"formatVersion\": 1, \"scenario\": \"trylock-fail");
        var foreign = TempDirectory.Process.NewFile(".trace.json");
        File.WriteAllText(foreign, "{\"formatVersion\": 99}");
        return new TheoryData<string[], string>
        {
            { ["run", "--design", "slab"], "--design 'slab': unknown design" },
            { ["compare", "--designs", "mainline,slub"], "unknown design" },
            { ["run", "--workload", "kernbench"], "--workload 'kernbench': unknown workload" },
            { ["run", "--cpus", "abc"], "--cpus 'abc': expected a whole number" },
            { ["run", "--cpus", "0"], "--cpus '0': expected a whole number from 1 to 1024" },
            { ["run", "--cpus", "4096"], "--cpus '4096': expected a whole number from 1 to 1024" },
            { ["run", "--cpus", "99999999999999999999999"], "too large" },
            { ["sweep", "--cpus", "1,two,4"], "item 'two': expected a whole number" },
            { ["run", "--seconds", "soon"], "--seconds 'soon': expected a number" },
            { ["run", "--seconds", "NaN"], "--seconds 'NaN'" },
            { ["run", "--ops", "-1"], "--ops '-1'" },
            { ["run", "--seed", "1.5"], "--seed '1.5'" },
            { ["run", "--hold-sample", "x"], "--hold-sample 'x'" },
            { ["run", "--order-mix", "0:60,11:5"], "--order-mix" },
            { ["run", "--highatomic", "v9"], "--highatomic 'v9': unknown highatomic variant" },
            { ["run", "--format", "csv"], "--format 'csv'" },
            { ["run", "--faults", "meteor"], "--faults 'meteor'" },
            { ["run", "--faults", "none,exhaustion"], "--faults none cannot be combined" },
            { ["run", "--hotplug-interval-ms", "5"], "--hotplug-interval-ms needs --faults cpu-hotplug" },
            { ["run", "--faults", "cpu-hotplug", "--hotplug-interval-ms", "0"], "--hotplug-interval-ms '0'" },
            { ["run", "--irq-delay-ns", "1000"], "need --faults hold-delay" },
            { ["run", "--faults", "hold-delay", "--irq-percent", "101"], "--irq-percent '101'" },
            { ["run", "--faults", "hold-delay", "--irq-delay-ns", "1000", "--irq-site", "bogus"], "--irq-site 'bogus': 'bogus' is not a scheduling-point site" },
            { ["run", "--faults", "hold-delay", "--irq-site", "lock:free_pcppages_bulk"], "--irq-site needs --irq-delay-ns above 0" },
            { ["run", "--irq-delay-ns", "1000", "--irq-site", "lock:free_pcppages_bulk"], "need --faults hold-delay" },
            { ["run", "--seconds", "1", "--ops", "5"], "give one of --seconds or --ops" },
            { ["run", "--zone-size", "8M", "--cpus", "4"], "a run needs at least 2 pageblocks (4M) per CPU" },
            { ["run", "--zone-size", "16M", "--cpus", "4", "--workload", "udp"], "kswapd's included" },
            { ["run", "--zone-size", "12Q"], "--zone-size" },
            { ["run", "--zone-size", "1G", "--zone-from-proc", "/proc"], "either --zone-size or --zone-from-proc" },
            { ["run", "--zone-from-proc", EmptyFolder, "--ops", "10"], "zoneinfo" },
            { ["run", "--zone-from-proc", "/no/such/folder"], "no such folder" },
            { ["run", "--ops", "10", "--json", unwritable], "--json" },
            { ["run", "--ops", "10", "--json", TempDirectory.Process.Path], "is a folder" },
            { ["run", "--ops", "10", "--plot", "out.jpg"], "--plot out.jpg: expected a file name ending in .png or .svg" },
            { ["run", "--pressure", "--no-pressure"], "not both" },
            { ["run", "--sample-interval", "0"], "--sample-interval '0': expected a number from 0.001 to 3600" },
            { ["run", "--sample-interval", "-0.1"], "--sample-interval '-0.1'" },
            { ["run", "--sample-interval", "soon"], "--sample-interval 'soon': expected a number" },
            { ["compare", "--sample-interval", "1e9"], "--sample-interval '1e9'" },
            { ["run", "--sample-interval"], "--sample-interval" },
            { ["run", "--ops", "10", "--plot-free", "free.jpg"], "--plot-free free.jpg: expected a file name ending in .png or .svg" },
            { ["compare", "--ops", "10", "--plot-free", TempDirectory.Process.Path], "--plot-free" },
            { ["run", "--cpus"], "--cpus" },
            { ["run", "--frobnicate"], "Unrecognized command or argument '--frobnicate'" },
            { ["compare", "--unchunked-pcp-free", "maybe"], "Unrecognized command or argument 'maybe'" },
            { ["run", "--work-scale", "-1"], "--work-scale '-1': expected a number from 0 to 1000" },
            { ["run", "--work-scale", "NaN"], "--work-scale 'NaN': expected a number from 0 to 1000" },
            { ["run", "--work-scale", "lots"], "--work-scale 'lots': expected a number" },
            { ["compare", "--work-scale", "1e9"], "--work-scale '1e9'" },
            { ["sweep", "--work-scale"], "--work-scale" },
            { ["run", "--free-batch", "0"], "--free-batch '0': expected a whole number from 1 to 31" },
            { ["run", "--free-batch", "32"], "--free-batch '32': expected a whole number from 1 to 31" },
            { ["soak", "--free-batch", "all"], "--free-batch 'all': expected a whole number" },
            { ["run", "--purge-extent-max", "0"], "--purge-extent-max '0': expected a whole number from 1 to 1048576" },
            { ["run", "--purge-extent-max", "-5"], "--purge-extent-max '-5'" },
            { ["run", "--workload", "udp", "--rx-order", "0"], "--rx-order '0': expected a whole number from 1 to 10" },
            { ["run", "--workload", "udp", "--rx-order", "11"], "--rx-order '11': expected a whole number from 1 to 10" },
            { ["run", "--workload", "udp", "--rx-order", "four"], "--rx-order 'four': expected a whole number" },
            { ["frobnicate"], "Unrecognized command or argument 'frobnicate'" },
            { ["explore", "--scenario", "nope"], "--scenario 'nope': unknown scenario" },
            { ["explore", "--scenario", "trylock-failures", "--bug", "typo"], "--bug 'typo'" },
            { ["explore", "--scenario", "trylock-failures", "--strategy", "dfs"], "--strategy 'dfs': unknown strategy" },
            { ["explore", "--scenario", "lockfree-remote-list", "--design", "mainline"], "scenario lockfree-remote-list runs on pageblock-lockfree" },
            { ["explore", "--iterations", "10"], "explore needs --scenario" },
            { ["explore", "--scenario", "trylock-failures", "--iterations", "0"], "--iterations '0'" },
            { ["explore", "--scenario", "trylock-failures", "--elide", "zone->lock@nowhere"], "--elide 'zone->lock@nowhere': unknown lock site" },
            { ["explore", "--exhaustive", "--scenario", "trylock-failures", "--iterations", "10"], "--iterations applies to Coyote's exploration, not to --exhaustive" },
            { ["explore", "--exhaustive", "--scenario", "trylock-failures", "--strategy", "pct"], "--strategy applies to Coyote's exploration, not to --exhaustive" },
            { ["explore", "--exhaustive", "--scenario", "trylock-failures", "--partial-order-sampling"], "--partial-order-sampling applies to Coyote's exploration" },
            { ["explore", "--scenario", "trylock-failures", "--preemption-bound", "1"], "--preemption-bound applies to --exhaustive only" },
            { ["explore", "--scenario", "trylock-failures", "--time-budget", "60"], "--time-budget applies to --exhaustive only" },
            { ["explore", "--exhaustive", "--scenario", "trylock-failures", "--preemption-bound", "-1"], "--preemption-bound '-1'" },
            { ["explore", "--exhaustive", "--scenario", "trylock-failures", "--time-budget", "soon"], "--time-budget 'soon'" },
            { ["replay", "/no/such/trace.json"], "cannot be read" },
            { ["replay", damaged], "not valid JSON" },
            { ["replay", foreign], "trace file" },
            { ["replay"], "Required argument missing" },
            { ["zone", "--cpus", "many"], "--cpus 'many': expected a whole number" },
            { ["run", "--engine", "coyote"], "--engine 'coyote': unknown engine; expected one of threads, virtual" },
            { ["compare", "--engine", ""], "--engine" },
            { ["sweep", "--engine"], "--engine" },
            { ["soak", "--engine", "Virtual2"], "--engine 'Virtual2'" },
            { ["run", "--cost-model", "model.json"], "--cost-model model.json: only the virtual engine has a cost model; add --engine virtual" },
            { ["sweep", "--engine", "threads", "--cost-model", "model.json"], "only the virtual engine has a cost model" },
            { ["run", "--engine", "virtual", "--cost-model", "/no/such/model.json"], "--cost-model: cost model /no/such/model.json: cannot read the file" },
            { ["run", "--engine", "virtual", "--cost-model", BadCostModel("{\"formatVersion\": 1")], "not valid JSON" },
            { ["compare", "--engine", "virtual", "--cost-model", BadCostModel(WithLockNs("-1"))], "seam.lockNs" },
            { ["soak", "--engine", "virtual", "--cost-model", BadCostModel(WithLockNs("\"fast\""))], "seam.lockNs" },
            { ["run", "--engine", "virtual", "--cost-model"], "--cost-model" },
            { ["run", "--engine", "virtual", "--faults", "hold-delay", "--irq-delay-ns", "1000"], "--irq-delay-ns applies to the threads engine only" },
            { ["run", "--engine", "virtual", "--repro-dir", "/tmp"], "--repro-dir applies to the threads engine only" },
            { ["soak", "--engine", "virtual", "--flight-recorder-entries", "1024"], "--flight-recorder-entries applies to the threads engine only" },
            { ["compare", "--engine", "virtual", "--no-flight-recorder"], "--no-flight-recorder applies to the threads engine only" },
            { ["compare", "--engine", "virtual", "--faults", "hold-delay", "--irq-percent", "5"], "--irq-percent applies to the threads engine only" },
            { ["soak", "--engine", "virtual", "--irq-site", "lock:free_pcppages_bulk"], "--irq-site applies to the threads engine only" },
            { ["sweep", "--engine", "virtual", "--hold-sample", "1"], "--hold-sample applies to the threads engine only" },
            { ["run", "--engine", "virtual", "--pin"], "--pin" },
        };
    }

    /// <summary>A cost-model file holding <paramref name="text"/>.</summary>
    private static string BadCostModel(string text)
    {
        var path = TempDirectory.Process.NewFile(".cost.json");
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>The shipped cost model with seam.lockNs replaced by <paramref name="value"/> (JSON text).</summary>
    private static string WithLockNs(string value) =>
        System.Text.RegularExpressions.Regex.Replace(Execution.Virtual.CostModelFile.ToJson(Execution.Virtual.CostModel.Default), "\"lockNs\": [^,\n]+", $"\"lockNs\": {value}");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Bad_input_prints_one_error_line_and_exits_2(string[] args, string expected) => AssertRefused(args, expected);

    /// <summary>The rule every bad-input case checks: exit 2, one line "error: ..." containing <paramref name="expected"/>, no stack trace.</summary>
    internal static void AssertRefused(string[] args, string expected)
    {
        var outcome = Shell.Run(args);
        Assert.True(outcome.Exit == 2, outcome.ToString());
        var line = Assert.Single(outcome.ErrLines);
        Assert.StartsWith("error: ", line);
        Assert.Contains(expected, line);
        Assert.DoesNotContain("   at ", outcome.Err + outcome.Out);
        Assert.DoesNotContain("System.Nullable", line);
    }

    [Fact]
    public void A_zone_from_a_proc_folder_is_checked_against_the_cpu_count_like_a_synthetic_one()
    {
        // A real /proc, if this host lets us read it, shapes the zone; the rule is the same.
        if (!File.Exists("/proc/zoneinfo") || !File.Exists("/proc/pagetypeinfo"))
        {
            return;
        }

        var outcome = Shell.Run("run", "--zone-from-proc", "--cpus", "1024", "--ops", "1");
        Assert.Contains(outcome.Exit, new[] { 0, 2 });
        if (outcome.Exit == 2)
        {
            Assert.StartsWith("error: ", Assert.Single(outcome.ErrLines));
        }
    }
}
