using PcpTestbed.Coyote;
using PcpTestbed.Designs;

namespace PcpTestbed.Coyote.Tests;

/// <summary>A trace file replays its race every time.</summary>
public sealed class ReplayTests : ControlledTest
{
    [Fact]
    public void A_race_replays_twenty_times_out_of_twenty()
    {
        var bug = Catalog.FindBug(InjectedBug.MissingOwnerRecheck)!;
        var r = Explore(bug.Scenario, bug.DesignKind, bug.Bug, bug.Iterations);
        Assert.True(r.BugFound, Describe(r));
        Assert.True(r.FirstBugIteration > 1, "a race that needs exploring, not a deterministic failure");

        for (var i = 0; i < 20; i++)
        {
            var replay = Replayer.Replay(r.TracePath!);

            Assert.True(replay.Reproduced, $"replay {i + 1}: expected '{r.Violation}', got '{replay.Violation ?? "no bug"}'");
            Assert.Equal(r.Violation, replay.Violation);
            Assert.Equal(r.Steps, replay.Steps);
        }
    }

    [Fact]
    public void A_trace_file_holds_what_a_replay_and_a_reader_need()
    {
        var bug = Catalog.FindBug(InjectedBug.RemoteListTakeNotAtomic)!;
        var r = Explore(bug.Scenario, bug.DesignKind, bug.Bug, bug.Iterations, SchedulingStrategy.Random, seed: 77);
        Assert.True(r.BugFound, Describe(r));

        var trace = TraceFile.Load(r.TracePath!);

        Assert.Equal(TraceFile.CurrentFormatVersion, trace.FormatVersion);
        Assert.Equal("lockfree-remote-list", trace.Scenario);
        Assert.Equal("pageblock-lockfree", trace.Design);
        Assert.Equal(["remote-list-take-not-atomic"], trace.Bugs);
        Assert.Equal(3, trace.Configuration.Cpus);
        Assert.Equal("8M", trace.Configuration.Zone);
        Assert.Equal("random", trace.Strategy);
        Assert.Equal(77u, trace.Seed);
        Assert.Equal(r.FirstBugIteration, trace.FirstBugIteration);
        Assert.Equal(r.Violation, trace.Violation);
        Assert.Contains("\"Steps\"", trace.CoyoteTrace);
        Assert.Contains(trace.Steps, s => s.Site == "free_unref_page:remote" || s.Event.StartsWith("cmpxchg", StringComparison.Ordinal));
        Assert.All(trace.Steps, s => Assert.InRange(s.Cpu, 0, 2));
    }
}
