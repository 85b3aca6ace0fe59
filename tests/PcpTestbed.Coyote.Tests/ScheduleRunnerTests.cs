using PcpTestbed.Coyote;
using PcpTestbed.Coyote.Dfs;
using PcpTestbed.Designs;

namespace PcpTestbed.Coyote.Tests;

/// <summary>
/// A schedule of our scheduler runs as given, as a prefix, or edited: each given step is followed while its CPU can run
/// at the recorded point, the first that cannot be is the divergence, the default policy (keep running the CPU, else the
/// lowest that can run) takes over past the end or where the given CPU cannot run, and the result says whether the same
/// violation came back.
/// </summary>
public sealed class ScheduleRunnerTests : ControlledTest
{
    private static readonly Lazy<(ExhaustiveResult Result, BugInfo Bug)> Found = new(() =>
    {
        var bug = Catalog.FindBug(InjectedBug.MissingOwnerRecheck)!;
        var r = ExhaustiveExplorer.Explore(new ExhaustiveOptions { Scenario = bug.Scenario, Design = bug.DesignKind, Bugs = bug.Bug, TraceDirectory = TraceDirectory });
        return (r, bug);
    });

    [Fact]
    public void A_recorded_schedule_brings_the_same_violation_back_every_time()
    {
        var (found, bug) = Found.Value;
        Assert.True(found.Preemptions >= 1, "a race that needs a preemption");

        for (var i = 0; i < 10; i++)
        {
            var r = Run(bug, found.Schedule, stop: true);

            Assert.True(r.Reproduces(found.Violation!), $"run {i + 1}: {r.Violation}");
            Assert.Null(r.Divergence);
            Assert.Equal(found.Schedule.Count, r.FollowedSteps);
            Assert.Equal(found.Schedule, r.Schedule);
            Assert.Equal(found.Steps, r.Steps);
            Assert.Equal(found.Preemptions, r.Preemptions);
        }
    }

    [Fact]
    public void An_empty_schedule_runs_the_default_policy_which_never_preempts()
    {
        var (_, bug) = Found.Value;
        var first = new List<ScheduleStep>();
        ExhaustiveExplorer.Explore(new ExhaustiveOptions
        {
            Scenario = bug.Scenario,
            Design = bug.DesignKind,
            PreemptionBound = 0,
            OnSchedule = (s, _) =>
            {
                if (first.Count == 0)
                {
                    first.AddRange(s);
                }
            },
        });

        var r = Run(bug, [], stop: false, bugs: InjectedBug.None);

        Assert.Equal(0, r.Preemptions);
        Assert.Null(r.Violation);
        Assert.Equal(first, r.Schedule);
    }

    [Fact]
    public void A_prefix_runs_as_given_then_by_the_default_policy()
    {
        var (found, bug) = Found.Value;
        var prefix = found.Schedule.Take(found.Schedule.Count / 2).ToArray();

        var r = Run(bug, prefix, stop: true);

        Assert.Null(r.Divergence);
        Assert.Equal(prefix.Length, r.FollowedSteps);
        Assert.Equal(prefix, r.Schedule.Take(prefix.Length));
        Assert.True(r.Schedule.Count > prefix.Length);
    }

    [Fact]
    public void An_edit_naming_a_cpu_that_does_not_exist_diverges_there_and_goes_on_by_the_default_policy()
    {
        var (found, bug) = Found.Value;
        var k = found.Schedule.Count / 2;
        var edited = found.Schedule.ToArray();
        edited[k] = edited[k] with { Cpu = 7 };

        var r = Run(bug, edited, stop: false);

        Assert.Equal(new Divergence(k + 1, edited[k].Label, "(none: the scenario has no CPU 7)"), r.Divergence);
        Assert.False(r.Stopped);
        Assert.Equal(found.Schedule.Take(k), r.Schedule.Take(k));
        Assert.True(r.Schedule.Count > k);
    }

    [Fact]
    public void A_strict_run_stops_at_the_first_step_whose_site_differs()
    {
        var (found, bug) = Found.Value;
        var k = found.Schedule.Count / 2;
        var edited = found.Schedule.ToArray();
        var actual = edited[k];
        edited[k] = actual with { Site = "free_unref_page:no_such_site" };

        var r = Run(bug, edited, stop: true);

        Assert.True(r.Stopped);
        Assert.Null(r.Violation);
        Assert.Equal(k, r.Schedule.Count);
        Assert.Equal(
            $"the code changed since this trace: diverged at step {k + 1} (expected site free_unref_page:no_such_site ({actual.Kind}, CPU {actual.Cpu}), " +
            $"found site {actual.Label})",
            r.Divergence!.Message);
    }

    [Fact]
    public void The_same_invariant_is_told_apart_from_the_same_violation()
    {
        var (found, bug) = Found.Value;
        var r = Run(bug, found.Schedule, stop: true);

        Assert.True(r.SameInvariantAs(found.Violation!));
        Assert.True(r.Reproduces(found.Violation!));
        Assert.True(r.SameInvariantAs("[§7.4 ownership] some other page"));
        Assert.False(r.Reproduces("[§7.4 ownership] some other page"));
        Assert.False(r.SameInvariantAs("[§7.2 pcp-count] CPU 0"));
    }

    private static ScheduleRunResult Run(BugInfo bug, IReadOnlyList<ScheduleStep> schedule, bool stop, InjectedBug? bugs = null) =>
        ScheduleRunner.Run(new ScheduleRunOptions
        {
            Scenario = bug.Scenario,
            Design = bug.DesignKind,
            Bugs = bugs ?? bug.Bug,
            Schedule = schedule,
            StopAtDivergence = stop,
        });
}
