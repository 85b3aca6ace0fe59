using System.Text.Json;
using PcpTestbed.Stress.Tests.Support;

namespace PcpTestbed.Stress.Tests;

/// <summary>explore, replay and list wired onto the Coyote library.</summary>
public class CoyoteVerbTests
{
    [Fact]
    public void Explore_finds_a_catalogued_bug_writes_its_trace_and_replay_reproduces_it()
    {
        var trace = TempDirectory.Process.NewFile(".trace.json");
        var (outcome, doc) = Shell.RunJson(3, "explore", "--scenario", "trylock-failures", "--design", "mainline", "--bug", "free-to-foreign-pcp",
            "--iterations", "300", "--seed", "1", "--trace-out", trace, "--quiet");
        foreach (var f in (string[])["scenario", "design", "bug", "strategy", "iterations", "bugFound", "firstBugIteration", "violation", "trace"])
        {
            Assert.True(doc.TryGetProperty(f, out _), $"explore JSON has no '{f}'");
        }

        Assert.Equal("trylock-failures", doc.GetProperty("scenario").GetString());
        Assert.Equal("free-to-foreign-pcp", doc.GetProperty("bug").GetString());
        Assert.Equal("portfolio", doc.GetProperty("strategy").GetString());
        Assert.True(doc.GetProperty("bugFound").GetBoolean());
        Assert.Equal(doc.GetProperty("iterations").GetInt32(), doc.GetProperty("firstBugIteration").GetInt32());
        Assert.StartsWith("[§7.5 trylock-fallback]", doc.GetProperty("violation").GetString());
        Assert.Equal(trace, doc.GetProperty("trace").GetString());
        Assert.True(File.Exists(trace));
        Assert.Contains("bug found", outcome.Out);

        var (replayed, replay) = Shell.RunJson(0, "replay", trace);
        Assert.True(replay.GetProperty("reproduced").GetBoolean());
        Assert.Equal(doc.GetProperty("violation").GetString(), replay.GetProperty("violation").GetString());
        Assert.Contains("reproduced", replayed.Out);
        Assert.Equal("coyote", doc.GetProperty("engine").GetString());
        Assert.Equal("coyote", replay.GetProperty("engine").GetString());
    }

    [Fact]
    public void A_clean_exploration_exits_0_with_null_bug_fields()
    {
        var (_, doc) = Shell.RunJson(0, "explore", "--scenario", "drain-all-vs-alloc", "--design", "pageblock", "--iterations", "30",
            "--strategy", "random", "--quiet");
        Assert.False(doc.GetProperty("bugFound").GetBoolean());
        Assert.Equal(30, doc.GetProperty("iterations").GetInt32());
        Assert.Equal("random", doc.GetProperty("strategy").GetString());
        foreach (var f in (string[])["bug", "firstBugIteration", "violation", "trace"])
        {
            Assert.Equal(JsonValueKind.Null, doc.GetProperty(f).ValueKind);
        }
    }

    [Fact]
    public void Run_with_lockdep_reports_the_lock_order_in_its_json_and_without_it_has_none()
    {
        var (outcome, doc) = Shell.RunJson(0, "run", "--design", "pageblock", "--workload", "mixed", "--cpus", "2", "--ops", "3000",
            "--zone-size", "64M", "--lockdep", "--quiet");
        var lockdep = doc.GetProperty("lockdep");
        Assert.Equal(0, lockdep.GetProperty("reports").GetInt64());
        Assert.Contains(lockdep.GetProperty("order").EnumerateArray(),
            e => e.GetProperty("outer").GetString() == "pcp->lock" && e.GetProperty("inner").GetString() == "zone->lock");
        Assert.Contains("lockdep: 0 reports; lock order: pcp->lock at", outcome.Out);

        var (_, plain) = Shell.RunJson(0, "run", "--design", "pageblock", "--workload", "mixed", "--cpus", "2", "--ops", "3000", "--zone-size", "64M", "--quiet");
        Assert.False(plain.TryGetProperty("lockdep", out _), "a run without --lockdep reports lockdep");
    }

    [Fact]
    public void Explore_json_has_coverage_and_the_lock_order_and_coverage_prints_the_tables()
    {
        var (outcome, doc) = Shell.RunJson(0, "explore", "--scenario", "drain-all-vs-alloc", "--design", "mainline", "--iterations", "20", "--coverage", "--quiet");

        var coverage = doc.GetProperty("coverage");
        Assert.Contains(coverage.GetProperty("sites").EnumerateArray(), s => s.GetProperty("site").GetString() == "lock:drain_pages_zone" && s.GetProperty("count").GetInt64() > 0);
        Assert.True(coverage.GetProperty("pairs").GetArrayLength() > 0, "no site pairs");
        Assert.Contains(coverage.GetProperty("unreached").EnumerateArray(), s => s.GetString() == "remote_free_push:cmpxchg_head");
        Assert.Contains(coverage.GetProperty("locks").EnumerateArray(), l => l.GetProperty("lock").GetString() == "zone->lock");
        Assert.Contains(doc.GetProperty("lockOrder").EnumerateArray(), e => e.GetProperty("outer").GetString() == "pcp->lock" && e.GetProperty("inner").GetString() == "zone->lock");
        Assert.Equal(JsonValueKind.Null, doc.GetProperty("elision").ValueKind);
        Assert.Contains("scheduling-point sites reached", outcome.Out);
        Assert.Contains("never reached", outcome.Out);
        Assert.Contains("lock order: pcp->lock at", outcome.Out);
    }

    [Fact]
    public void Explore_with_an_elided_lock_finds_the_missing_lock_and_replay_reproduces_it()
    {
        var trace = TempDirectory.Process.NewFile(".trace.json");
        var (_, doc) = Shell.RunJson(3, "explore", "--scenario", "remote-free-vs-drain", "--design", "pageblock", "--elide", "pcp->lock@free_unref_page:remote",
            "--iterations", "300", "--trace-out", trace, "--quiet");

        Assert.Equal("pcp->lock@free_unref_page:remote", doc.GetProperty("elision").GetString());
        Assert.Equal("pcp->lock@free_unref_page:remote", System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(trace))!["elidedLock"]!.GetValue<string>());
        var (_, replay) = Shell.RunJson(0, "replay", trace);
        Assert.True(replay.GetProperty("reproduced").GetBoolean());
    }

    [Fact]
    public void A_trace_whose_violation_is_not_reproduced_exits_3()
    {
        var trace = TempDirectory.Process.NewFile(".trace.json");
        Shell.RunJson(3, "explore", "--bug", "owner-tag-cleared-before-unlink", "--iterations", "50", "--trace-out", trace, "--quiet");
        var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(trace))!;
        node["violation"] = "[§7.1 single-state] a violation this schedule never produces";
        File.WriteAllText(trace, node.ToJsonString());

        var outcome = Shell.Run("replay", trace);
        Assert.True(outcome.Exit == 3, outcome.ToString());
        Assert.Contains("not reproduced", outcome.Out);
    }

    [Fact]
    public void Explore_exhaustively_finds_the_canary_writes_our_schedule_and_replay_reproduces_it()
    {
        var trace = TempDirectory.Process.NewFile(".trace.json");
        var (outcome, doc) = Shell.RunJson(3, "explore", "--exhaustive", "--scenario", "canary-lost-update", "--design", "mainline", "--trace-out", trace, "--quiet");

        Assert.Equal("dfs", doc.GetProperty("engine").GetString());
        Assert.Equal("bug-found", doc.GetProperty("verdict").GetString());
        Assert.Equal(2, doc.GetProperty("preemptionBound").GetInt32());
        Assert.True(doc.GetProperty("reduction").GetBoolean());
        Assert.Equal(doc.GetProperty("schedules").GetInt64(), doc.GetProperty("failingSchedule").GetInt64());
        Assert.InRange(doc.GetProperty("preemptions").GetInt32(), 1, 2);
        Assert.StartsWith("[canary] lost update", doc.GetProperty("violation").GetString());
        Assert.Equal(trace, doc.GetProperty("trace").GetString());
        Assert.True(doc.GetProperty("schedule").GetArrayLength() > 0);
        Assert.Contains("bug found in schedule", outcome.Out);
        var file = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(trace))!;
        Assert.Equal("dfs", (string)file["engine"]!);
        Assert.Equal(3, (int)file["formatVersion"]!);

        var (replayed, replay) = Shell.RunJson(0, "replay", trace);
        Assert.True(replay.GetProperty("reproduced").GetBoolean());
        Assert.Equal("dfs", replay.GetProperty("engine").GetString());
        Assert.Equal(JsonValueKind.Null, replay.GetProperty("divergence").ValueKind);
        Assert.Contains("our scheduler's schedule", replayed.Out);
    }

    [Fact]
    public void A_clean_exhaustive_exploration_says_the_scenario_holds_and_exits_0()
    {
        var (outcome, doc) = Shell.RunJson(0, "explore", "--exhaustive", "--scenario", "trylock-failures", "--design", "mainline", "--preemption-bound", "1", "--quiet");

        Assert.Equal("holds", doc.GetProperty("verdict").GetString());
        Assert.Equal(1, doc.GetProperty("preemptionBound").GetInt32());
        Assert.True(doc.GetProperty("schedules").GetInt64() > 1);
        Assert.True(doc.GetProperty("totalSteps").GetInt64() > doc.GetProperty("schedules").GetInt64());
        foreach (var f in (string[])["bug", "failingSchedule", "preemptions", "violation", "invariant", "trace", "elision"])
        {
            Assert.Equal(JsonValueKind.Null, doc.GetProperty(f).ValueKind);
        }

        Assert.Contains("holds for every interleaving with at most 1 preemption:", outcome.Out);
    }

    [Fact]
    public void An_exhaustive_exploration_whose_time_budget_runs_out_claims_nothing_and_exits_3()
    {
        var (outcome, doc) = Shell.RunJson(3, "explore", "--exhaustive", "--scenario", "drain-all-vs-alloc", "--design", "mainline", "--preemption-bound", "3",
            "--time-budget", "1", "--quiet");

        Assert.Equal("incomplete", doc.GetProperty("verdict").GetString());
        Assert.Equal(1, doc.GetProperty("timeBudgetSeconds").GetDouble());
        Assert.Equal(JsonValueKind.Null, doc.GetProperty("violation").ValueKind);
        Assert.Contains("incomplete: the time budget of 1 s ran out after", outcome.Out);
        Assert.DoesNotContain("holds", outcome.Out);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_trace_whose_recorded_site_no_longer_comes_back_says_the_code_changed_and_exits_3(bool exhaustive)
    {
        var trace = TempDirectory.Process.NewFile(".trace.json");
        string[] explore = exhaustive
            ? ["explore", "--exhaustive", "--bug", "missing-owner-recheck", "--trace-out", trace, "--quiet"]
            : ["explore", "--bug", "missing-owner-recheck", "--iterations", "300", "--trace-out", trace, "--quiet"];
        Shell.RunJson(3, explore);
        var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(trace))!;
        var steps = node[exhaustive ? "schedule" : "steps"]!.AsArray();
        var k = steps.Select((st, i) => (st, i)).First(p => (string)p.st!["site"]! == "free_unref_page:pageblock_owner").i;
        steps[k]!["site"] = "free_unref_page:renamed";
        File.WriteAllText(trace, node.ToJsonString());

        var (outcome, replay) = Shell.RunJson(3, "replay", trace);

        Assert.False(replay.GetProperty("reproduced").GetBoolean());
        Assert.Equal(k + 1, replay.GetProperty("divergedAtStep").GetInt32());
        Assert.StartsWith($"the code changed since this trace: diverged at step {k + 1} (expected site free_unref_page:renamed (", replay.GetProperty("divergence").GetString());
        Assert.Contains($"replayed:  the code changed since this trace: diverged at step {k + 1} (expected site free_unref_page:renamed", outcome.Out);
        Assert.Contains("found site free_unref_page:pageblock_owner (", outcome.Out);
    }

    [Fact]
    public void A_trace_from_another_site_table_that_still_fits_replays_with_a_note()
    {
        var trace = TempDirectory.Process.NewFile(".trace.json");
        Shell.RunJson(3, "explore", "--exhaustive", "--bug", "missing-owner-recheck", "--trace-out", trace, "--quiet");
        var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(trace))!;
        node["siteTable"]!["fingerprint"] = "0123456789abcdef";
        File.WriteAllText(trace, node.ToJsonString());

        var (outcome, replay) = Shell.RunJson(0, "replay", trace);

        Assert.True(replay.GetProperty("reproduced").GetBoolean());
        Assert.True(replay.GetProperty("siteTableChanged").GetBoolean());
        Assert.Contains("note: the scheduling-point site table changed since this trace was recorded (fingerprint 0123456789abcdef", outcome.Out);
    }

    [Fact]
    public void List_names_designs_workloads_scenarios_bugs_and_variants()
    {
        var (outcome, doc) = Shell.RunJson(0, "list");
        Assert.Equal(["mainline", "pageblock", "pageblock-cmafix", "pageblock-lockfree"],
            doc.GetProperty("designs").EnumerateArray().Select(d => d.GetProperty("name").GetString()));
        Assert.Equal(["page-fault", "purge", "exit", "udp", "cma", "mixed"],
            doc.GetProperty("workloads").EnumerateArray().Select(d => d.GetProperty("name").GetString()));
        Assert.Contains(doc.GetProperty("scenarios").EnumerateArray(), s => s.GetProperty("name").GetString() == "trylock-failures");
        var bugs = doc.GetProperty("bugs").EnumerateArray().ToList();
        Assert.True(bugs.Count >= 10);
        Assert.All(bugs, b =>
        {
            Assert.False(string.IsNullOrEmpty(b.GetProperty("name").GetString()));
            Assert.False(string.IsNullOrEmpty(b.GetProperty("scenario").GetString()));
            Assert.False(string.IsNullOrEmpty(b.GetProperty("description").GetString()));
        });
        Assert.Equal(["pre-2026-03", "2026-05", "v2", "v3"], doc.GetProperty("highatomicVariants").EnumerateArray().Select(v => v.GetProperty("name").GetString()));
        Assert.Contains("free-to-foreign-pcp", outcome.Out);
    }
}
