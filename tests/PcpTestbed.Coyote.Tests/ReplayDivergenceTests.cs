using System.Text.Json.Nodes;
using PcpTestbed.Coyote;
using PcpTestbed.Coyote.Dfs;
using PcpTestbed.Designs;

namespace PcpTestbed.Coyote.Tests;

/// <summary>
/// Traces that outlive code changes say so (issue 15 item 4): a replay, of either engine's trace, whose step meets a
/// different point than the recorded one reports "the code changed since this trace: diverged at step K (expected site
/// X, found site Y)"; a trace recorded against another site table that does not diverge replays, with the change noted.
/// </summary>
public sealed class ReplayDivergenceTests : ControlledTest
{
    private static readonly Lazy<(string Text, ExhaustiveResult Result)> DfsTrace = new(() =>
    {
        var bug = Catalog.FindBug(InjectedBug.MissingOwnerRecheck)!;
        var r = ExhaustiveExplorer.Explore(new ExhaustiveOptions { Scenario = bug.Scenario, Design = bug.DesignKind, Bugs = bug.Bug, TraceDirectory = TraceDirectory });
        return (File.ReadAllText(r.TracePath!), r);
    });

    private static readonly Lazy<(string Text, ExploreResult Result)> CoyoteTrace = new(() =>
    {
        var bug = Catalog.FindBug(InjectedBug.MissingOwnerRecheck)!;
        var r = Explore(bug.Scenario, bug.DesignKind, bug.Bug, bug.Iterations);
        return (File.ReadAllText(r.TracePath!), r);
    });

    public static TheoryData<string> Engines => new(TraceFile.CoyoteEngine, TraceFile.DfsEngine);

    [Theory]
    [MemberData(nameof(Engines))]
    public void An_unchanged_trace_replays_without_divergence(string engine)
    {
        var replay = Replayer.Replay(Write(engine == TraceFile.DfsEngine ? DfsTrace.Value.Text : CoyoteTrace.Value.Text));

        Assert.True(replay.Reproduced);
        Assert.Null(replay.Divergence);
        Assert.False(replay.SiteTableChanged);
        Assert.Equal(engine, replay.Engine);
    }

    [Fact]
    public void A_schedule_step_whose_site_was_changed_is_a_divergence_there()
    {
        var trace = JsonNode.Parse(DfsTrace.Value.Text)!.AsObject();
        var schedule = trace["schedule"]!.AsArray();
        var k = IndexOfSite(schedule, "site");
        var step = schedule[k]!;
        var (cpu, kind, site) = ((int)step["cpu"]!, (string)step["kind"]!, (string)step["site"]!);
        step["site"] = "free_unref_page:renamed";

        var replay = Replayer.Replay(Write(trace.ToJsonString()));

        Assert.False(replay.Reproduced);
        Assert.Null(replay.Violation);
        Assert.Equal(
            $"the code changed since this trace: diverged at step {k + 1} (expected site free_unref_page:renamed ({kind}, CPU {cpu}), found site {site} ({kind}, CPU {cpu}))",
            replay.Divergence!.Message);
    }

    [Fact]
    public void A_coyote_trace_step_whose_site_was_changed_is_a_divergence_there()
    {
        var trace = JsonNode.Parse(CoyoteTrace.Value.Text)!.AsObject();
        var steps = trace["steps"]!.AsArray();
        var k = IndexOfSite(steps, "site");
        var step = steps[k]!;
        var site = (string)step["site"]!;
        step["site"] = "free_unref_page:renamed";
        var recorded = new TraceStep((int)step["step"]!, (int)step["cpu"]!, (string)step["operation"]!, (string)step["event"]!, "free_unref_page:renamed");

        var replayed = recorded with { Site = site };

        var replay = Replayer.Replay(Write(trace.ToJsonString()));

        Assert.False(replay.Reproduced);
        Assert.Equal(
            $"the code changed since this trace: diverged at step {k + 1} (expected site {recorded.Label}, found site {replayed.Label})",
            replay.Divergence!.Message);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void A_trace_recorded_against_a_different_site_table_that_no_longer_fits_diverges(string engine)
    {
        // As a trace from a build whose table named a site differently: another fingerprint, and the old name in its steps.
        var text = engine == TraceFile.DfsEngine ? DfsTrace.Value.Text : CoyoteTrace.Value.Text;
        var trace = JsonNode.Parse(text.Replace("free_unref_page:pageblock_owner", "free_unref_page:owner_of_block", StringComparison.Ordinal))!.AsObject();
        trace["siteTable"] = new JsonObject { ["fingerprint"] = "0123456789abcdef", ["sites"] = 12 };
        var list = trace[engine == TraceFile.DfsEngine ? "schedule" : "steps"]!.AsArray();
        var k = list.Select((s, i) => (s, i)).First(p => (string)p.s!["site"]! == "free_unref_page:owner_of_block").i;

        var replay = Replayer.Replay(Write(trace.ToJsonString()));

        Assert.False(replay.Reproduced);
        Assert.True(replay.SiteTableChanged);
        Assert.StartsWith($"the code changed since this trace: diverged at step {k + 1} (expected site free_unref_page:owner_of_block (", replay.Divergence!.Message);
        Assert.Contains("found site free_unref_page:pageblock_owner (", replay.Divergence.Message);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void A_trace_whose_site_table_changed_but_still_fits_replays_with_the_change_noted(string engine)
    {
        var trace = JsonNode.Parse(engine == TraceFile.DfsEngine ? DfsTrace.Value.Text : CoyoteTrace.Value.Text)!.AsObject();
        trace["siteTable"] = new JsonObject { ["fingerprint"] = "0123456789abcdef", ["sites"] = 12 };

        var replay = Replayer.Replay(Write(trace.ToJsonString()));

        Assert.True(replay.Reproduced);
        Assert.Null(replay.Divergence);
        Assert.True(replay.SiteTableChanged);
        Assert.Equal("0123456789abcdef", replay.RecordedSiteTable!.Fingerprint);
    }

    [Fact]
    public void The_site_table_fingerprint_is_stable_and_names_every_site()
    {
        Assert.Equal(Model.Sync.PointSites.Count, SiteTable.Current.Sites);
        Assert.Matches("^[0-9a-f]{16}$", SiteTable.Current.Fingerprint);
        Assert.Equal(SiteTable.Current, TraceFile.Load(Write(DfsTrace.Value.Text)).SiteTable);
    }

    /// <summary>The index of a step in the middle of the list with a non-empty site.</summary>
    [Fact]
    public void A_replay_that_ends_clean_short_of_its_recording_diverged_where_it_ended()
    {
        // A repro trace whose setup changed (the cut between setup and the scripts moved) met every recorded point of the new,
        // shorter setup, then Coyote gave up its schedule at the scripts' first decision: 1,542 of 10,213 steps, clean.
        var recorded = new[] { Step(1, 0, "begin", ""), Step(2, 0, "lock pcp->lock#0", "rmqueue_pcplist"), Step(3, 1, "read zone.flags", "free_frozen_page_commit:zone_below_high") };

        var divergence = Divergence.AtCleanEnd(recorded, recorded[..2], violated: false);

        Assert.Equal(
            $"the code changed since this trace: diverged at step 3 (expected site free_frozen_page_commit:zone_below_high (read, CPU 1), found site {Divergence.CleanEnd})",
            divergence!.Message);
    }

    [Fact]
    public void A_replay_that_breaks_early_or_runs_the_whole_recording_is_no_divergence_by_its_end()
    {
        var recorded = new[] { Step(1, 0, "begin", ""), Step(2, 0, "lock pcp->lock#0", "rmqueue_pcplist") };

        Assert.Null(Divergence.AtCleanEnd(recorded, recorded[..1], violated: true));
        Assert.Null(Divergence.AtCleanEnd(recorded, recorded, violated: false));
    }

    private static TraceStep Step(int step, int cpu, string @event, string site) => new(step, cpu, "alloc(order 0)", @event, site);

    private static int IndexOfSite(JsonArray list, string field)
    {
        for (var i = list.Count / 2; i < list.Count; i++)
        {
            if (((string)list[i]![field]!).Length > 0)
            {
                return i;
            }
        }

        throw new InvalidOperationException("no step with a site in the second half");
    }

    private static string Write(string text) => TraceEdits.Write(TraceDirectory, text);
}
