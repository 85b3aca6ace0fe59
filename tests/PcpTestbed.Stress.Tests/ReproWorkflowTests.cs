using System.Text.Json;
using PcpTestbed.Stress.Tests.Support;

namespace PcpTestbed.Stress.Tests;

/// <summary>
/// Issue 15's workflow on real threads: a catalogued bug injected into a run breaks it, the flight recorder's reproduction file
/// names the violation, explore --from-repro turns it into a trace, and replay reproduces that trace. Each case states the
/// workload, faults and CPU count that make its bug happen within a couple of seconds on 2 cores (--work-scale 0, lockdep
/// on, a small zone, audits every 50 ms).
/// </summary>
public class ReproWorkflowTests
{
    public static TheoryData<string, string, string, string, int, string> Bugs => new()
    {
        // bug, design, workload, faults, CPUs, the violation class the run reports
        { "free-to-foreign-pcp", "mainline", "mixed", "drain-storm", 2, "§7.5 trylock-fallback" },
        { "ignore-pcp-trylock", "mainline", "mixed", "drain-storm", 2, "bad-page" },
        { "drain-without-pcp-lock", "mainline", "mixed", "drain-storm", 2, "liveness" },
        { "owner-tag-cleared-before-unlink", "pageblock", "mixed", "cpu-hotplug", 2, "§7.4 ownership" },
        { "remote-count-outside-lock", "pageblock", "mixed", "none", 2, "lockdep" },
        { "remote-list-take-not-atomic", "pageblock-lockfree", "mixed", "none", 4, "§7.1 single-state" },
        { "remote-push-state-before-tag", "pageblock-lockfree", "mixed", "none", 4, "liveness" },
    };

    [Theory]
    [MemberData(nameof(Bugs))]
    public void A_real_thread_run_with_the_bug_writes_a_reproduction_file_that_explore_turns_into_a_trace_that_replays(
        string bug, string design, string workload, string faults, int cpus, string invariant)
    {
        var dir = TempFiles.New("");
        var json = TempFiles.New(".json");
        var run = Shell.Run("run", "--bug", bug, "--design", design, "--workload", workload, "--faults", faults, "--cpus", $"{cpus}",
            "--seconds", "2", "--work-scale", "0", "--lockdep", "--zone-size", cpus > 2 ? "32M" : "16M", "--remote-free-percent", "50",
            "--audit-interval", "0.05", "--no-lock-stat", "--repro-dir", dir, "--json", json, "--quiet");
        Assert.True(run.Exit == 3, run.ToString());
        var repro = Assert.Single(Directory.GetFiles(dir));
        Assert.Contains($"repro: {repro}", run.Out);
        using (var doc = JsonDocument.Parse(File.ReadAllText(json)))
        {
            var root = doc.RootElement.TryGetProperty("broken", out var broken) ? broken : doc.RootElement;
            Assert.Equal(repro, root.GetProperty("reproFile").GetString());
        }

        var trace = TempFiles.New(".trace.json");
        var (explored, found) = Shell.RunJson(3, "explore", "--from-repro", repro, "--trace-out", trace, "--quiet");
        Assert.Equal(invariant, found.GetProperty("invariant").GetString());
        Assert.True(found.GetProperty("found").GetBoolean(), explored.ToString());
        Assert.Equal(trace, found.GetProperty("trace").GetString());
        Assert.True(File.Exists(repro), "explore --from-repro removed the reproduction file");

        // The trace carries the reproduction: it replays without the file.
        File.Delete(repro);
        var (replayed, replay) = Shell.RunJson(0, "replay", trace);
        Assert.True(replay.GetProperty("reproduced").GetBoolean(), replayed.ToString());
        Assert.Contains("the story:", replayed.Out);
    }
}
