using PcpTestbed.Coyote;
using PcpTestbed.Designs;

namespace PcpTestbed.Coyote.Tests;

/// <summary>
/// Every catalogued bug is found by the default strategy within its budget, the report names the expected
/// invariant, the trace file replays it, and the same scenario without the bug passes the same budget.
/// </summary>
public sealed class BugCatalogTests : ControlledTest
{
    public static TheoryData<string> FindableBugs() => new(Catalog.Bugs.Where(b => b.Findable).Select(b => b.Name));

    public static TheoryData<string, SchedulingStrategy> FindableBugsByStrategy()
    {
        var data = new TheoryData<string, SchedulingStrategy>();
        foreach (var bug in Catalog.Bugs.Where(b => b.Findable))
        {
            foreach (var strategy in new[] { SchedulingStrategy.Random, SchedulingStrategy.Pct, SchedulingStrategy.FairPct, SchedulingStrategy.Probabilistic, SchedulingStrategy.DelayBounding })
            {
                data.Add(bug.Name, strategy);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FindableBugs))]
    public void Catalogued_bug_is_found_names_its_invariant_and_replays(string name)
    {
        var bug = Entry(name);

        var r = Explore(bug.Scenario, bug.DesignKind, bug.Bug, bug.Iterations);

        Assert.True(r.BugFound, Describe(r));
        Assert.Contains(r.Invariant, bug.Invariants);
        Assert.StartsWith($"[{r.Invariant}]", r.Violation);
        Assert.NotNull(r.TracePath);
        Assert.NotEmpty(r.Steps);

        var replay = Replayer.Replay(r.TracePath!);
        Assert.True(replay.Reproduced, $"expected '{r.Violation}', replay gave '{replay.Violation ?? "no bug"}'");
        Assert.Equal(r.Steps, replay.Steps);
    }

    [Theory]
    [MemberData(nameof(FindableBugs))]
    public void Same_scenario_without_the_bug_passes_the_same_budget(string name)
    {
        var bug = Entry(name);

        var r = Explore(bug.Scenario, bug.DesignKind, InjectedBug.None, bug.Iterations);

        Assert.False(r.BugFound, Describe(r));
        Assert.Equal(bug.Iterations, r.Iterations);
    }

    [Theory]
    [MemberData(nameof(FindableBugsByStrategy))]
    public void Catalogued_bug_is_found_under_other_strategies(string name, SchedulingStrategy strategy)
    {
        var bug = Entry(name);

        var r = Explore(bug.Scenario, bug.DesignKind, bug.Bug, TestBudgets.BugIterationsOtherStrategies, strategy);

        Assert.True(r.BugFound, Describe(r));
        Assert.Contains(r.Invariant, bug.Invariants);
    }

    [Fact]
    public void Every_catalogued_bug_is_reachable_by_some_interleaving()
    {
        // The catalogue may mark a bug unreachable only with the reason; none is today.
        Assert.All(Catalog.Bugs, b => Assert.True(b.Findable, $"{b.Name}: {b.Note}"));
        Assert.True(Catalog.Bugs.Count >= 10, $"{Catalog.Bugs.Count} bugs catalogued");
    }

    private static BugInfo Entry(string name) => Catalog.Bugs.Single(b => b.Name == name);
}
