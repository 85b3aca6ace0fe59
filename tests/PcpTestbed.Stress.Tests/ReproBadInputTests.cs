using PcpTestbed.Stress.Tests.Support;

namespace PcpTestbed.Stress.Tests;

/// <summary>Bad input to issue 15's verbs and options (explore --from-repro, shrink, explore --shrink, run's flight recorder options): exit 2, one line naming it.</summary>
public class ReproBadInputTests
{
    public static TheoryData<string[], string> Cases()
    {
        var damaged = TempDirectory.Process.NewFile(".repro.json.gz");
        File.WriteAllBytes(damaged, [0x1f, 0x8b, 8, 0, 0, 0]);
        var trace = TempDirectory.Process.NewFile(".trace.json");
        File.WriteAllText(trace, "{\"formatVersion\": 3, \"engine\": \"dfs\"}");
        var notRepro = TempDirectory.Process.NewFile(".json");
        File.WriteAllText(notRepro, "{\"formatVersion\": 3, \"engine\": \"dfs\"}");
        var badSnapshot = TempDirectory.Process.NewFile(".repro.json");
        File.WriteAllText(badSnapshot,
            "{\"format\":\"pcptestbed-repro\",\"formatVersion\":1,\"design\":\"mainline\",\"bugs\":[],\"workload\":\"mixed\",\"seed\":1,\"cpus\":1," +
            "\"zone\":\"16M\",\"highatomic\":\"2026-05\",\"violation\":\"[lockdep] x\",\"invariant\":\"lockdep\",\"windowComplete\":true," +
            "\"lostBeforeWindow\":[0],\"ringEntries\":16,\"pages\":[],\"snapshot\":\"UENQU05BUDE=\",\"operations\":[[]]}");
        var missing = Path.Combine(TempDirectory.Process.Path, "no-such-file.repro.json.gz");
        var dirAsFile = TempDirectory.Process.NewFile(".txt");
        File.WriteAllText(dirAsFile, "a file");
        return new TheoryData<string[], string>
        {
            { ["explore", "--from-repro", missing], $"reproduction file '{missing}': cannot be read" },
            { ["explore", "--from-repro", damaged], "is damaged gzip" },
            { ["explore", "--from-repro", notRepro], "is not a PcpTestbed reproduction file" },
            { ["explore", "--from-repro", trace, "--scenario", "remote-free-vs-drain"], "--scenario does not go with --from-repro" },
            { ["explore", "--from-repro", trace, "--bug", "free-to-foreign-pcp"], "--bug does not go with --from-repro" },
            { ["explore", "--from-repro", trace, "--exhaustive"], "--exhaustive does not go with --from-repro" },
            { ["explore", "--from-repro", trace, "--iterations", "0"], "--iterations '0'" },
            { ["explore", "--scenario", "remote-free-vs-drain", "--no-ballast"], "--no-ballast goes with --from-repro only" },
            { ["explore", "--scenario", "remote-free-vs-drain", "--no-snapshot"], "--no-snapshot goes with --from-repro only" },
            { ["explore", "--from-repro", badSnapshot], "has a damaged snapshot: the snapshot ends early" },
            { ["explore", "--from-repro", trace, "--time-budget", "-3"], "--time-budget '-3'" },
            { ["explore", "--from-repro", trace, "--irq-site", "lock:no_such_function"], "--irq-site: 'lock:no_such_function' is not a scheduling-point site" },
            { ["explore", "--from-repro", trace, "--irq-steps", "0"], "--irq-steps '0'" },
            { ["explore", "--from-repro", trace, "--no-irq", "--irq-site", "lock:free_unref_page:remote"], "--no-irq does not go with --irq-site or --irq-steps" },
            { ["explore", "--scenario", "remote-free-vs-drain", "--no-irq"], "--no-irq, --irq-site and --irq-steps go with --from-repro only" },
            { ["shrink", missing], $"trace file '{missing}': cannot be read" },
            { ["shrink", trace], "is missing the field 'scenario'" },
            { ["shrink", trace, "--time-budget", "0"], "--time-budget '0'" },
            { ["shrink", trace, "--search-budget", "soon"], "--search-budget 'soon'" },
            { ["explore", "--shrink", missing], $"trace file '{missing}': cannot be read" },
            { ["explore", "--shrink", trace], "is missing the field 'scenario'" },
            { ["run", "--bug", "use-after-free"], "--bug 'use-after-free'" },
            { ["run", "--flight-recorder-entries", "1000"], "--flight-recorder-entries 1000: expected a power of two (e.g. 1024)" },
            { ["run", "--flight-recorder-entries", "8"], "--flight-recorder-entries '8'" },
            { ["run", "--repro-dir", dirAsFile], "is a file; expected a folder" },
            { ["soak", "--repro-dir", "/tmp", "--no-flight-recorder"], "--repro-dir needs the flight recorder" },
        };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Bad_input_prints_one_error_line_and_exits_2(string[] args, string expected) => BadInputTests.AssertRefused(args, expected);

    [Fact]
    public void A_shrunk_trace_whose_schedule_no_longer_fits_the_code_says_where_it_diverged_and_exits_3()
    {
        // A catalogued bug's trace of our scheduler, shrunk, with one schedule step's site renamed as a code change would.
        var found = TempDirectory.Process.NewFile(".trace.json");
        Assert.Equal(3, Shell.Run("explore", "--bug", "remote-count-outside-lock", "--exhaustive", "--preemption-bound", "1", "--trace-out", found, "--quiet").Exit);
        var shrunk = TempDirectory.Process.NewFile(".trace.json");
        var shrink = Shell.Run("shrink", found, "--trace-out", shrunk, "--quiet");
        Assert.True(shrink.Exit == 0, shrink.ToString());
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(shrunk))!.AsObject();
        var schedule = json["schedule"]!.AsArray();
        var k = Enumerable.Range(0, schedule.Count).First(i => ((string)schedule[i]!["site"]!).Length > 0);
        var (cpu, kind, site) = ((int)schedule[k]!["cpu"]!, (string)schedule[k]!["kind"]!, (string)schedule[k]!["site"]!);
        schedule[k]!["site"] = "free_unref_page:renamed";
        File.WriteAllText(shrunk, json.ToJsonString());

        var replay = Shell.Run("replay", shrunk);

        Assert.True(replay.Exit == 3, replay.ToString());
        Assert.Contains($"the code changed since this trace: diverged at step {k + 1} (expected site free_unref_page:renamed ({kind}, CPU {cpu}), found site {site} ({kind}, CPU {cpu}))",
            replay.Out);
    }
}
