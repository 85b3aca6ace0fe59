using System.Text.Json;
using PcpTestbed.Coyote;
using PcpTestbed.Designs;

namespace PcpTestbed.Coyote.Tests;

/// <summary>The catalogue the list verb prints: complete, consistent and JSON-friendly.</summary>
public sealed class CatalogTests
{
    [Fact]
    public void Every_injected_bug_has_exactly_one_catalogue_entry()
    {
        foreach (var bug in InjectedBugs.All)
        {
            Assert.Single(Catalog.Bugs, b => b.Bug == bug);
        }

        Assert.Equal(InjectedBugs.All.Count(), Catalog.Bugs.Count);
    }

    [Fact]
    public void At_least_ten_bugs_are_genuinely_findable() =>
        Assert.True(Catalog.Bugs.Count(b => b.Findable) >= 10);

    [Fact]
    public void Every_bug_names_a_scenario_that_applies_to_its_design()
    {
        foreach (var bug in Catalog.Bugs)
        {
            var scenario = Catalog.FindScenario(bug.Scenario);
            Assert.NotNull(scenario);
            Assert.True(scenario!.AppliesTo(bug.DesignKind), $"{bug.Name}: {bug.Scenario} does not run on {bug.Design}");
            Assert.NotEmpty(bug.Invariants);
            Assert.NotEmpty(bug.Note);
        }
    }

    [Fact]
    public void Scenarios_have_unique_names_descriptions_and_designs()
    {
        Assert.Equal(Catalog.ScenarioInfos.Count, Catalog.ScenarioInfos.Select(s => s.Name).Distinct().Count());
        Assert.All(Catalog.ScenarioInfos, s =>
        {
            Assert.NotEmpty(s.Description);
            Assert.NotEmpty(s.Designs);
            Assert.InRange(s.Cpus, 2, 4);
        });
        Assert.Contains(Catalog.ScenarioInfos, s => s.Name == Catalog.CanaryScenario);
    }

    [Fact]
    public void The_lists_serialize_to_json()
    {
        var scenarios = JsonSerializer.Serialize(Catalog.ScenarioInfos);
        var bugs = JsonSerializer.Serialize(Catalog.Bugs);

        Assert.Contains("remote-free-vs-drain", scenarios);
        Assert.Contains("missing-owner-recheck", bugs);
        Assert.DoesNotContain("\"Bug\"", bugs);
    }

    [Theory]
    [InlineData("portfolio", SchedulingStrategy.Portfolio)]
    [InlineData("random", SchedulingStrategy.Random)]
    [InlineData("pct", SchedulingStrategy.Pct)]
    [InlineData("fair-pct", SchedulingStrategy.FairPct)]
    [InlineData("probabilistic", SchedulingStrategy.Probabilistic)]
    [InlineData("q-learning", SchedulingStrategy.QLearning)]
    [InlineData("delay-bounding", SchedulingStrategy.DelayBounding)]
    public void Strategy_names_round_trip(string name, SchedulingStrategy strategy)
    {
        Assert.True(SchedulingStrategies.TryParse(name, out var parsed));
        Assert.Equal(strategy, parsed);
        Assert.Equal(name, SchedulingStrategies.Name(strategy));
    }

    [Theory]
    [InlineData("[§7.4 ownership] pfn:0: x", "§7.4 ownership")]
    [InlineData("[liveness] operation never completes: CPU 1 spins", "liveness")]
    [InlineData("Deadlock detected. Op(1) and Op(2)", "liveness")]
    [InlineData("Scheduling steps bound of 200000 reached.", "liveness")]
    [InlineData("Unhandled exception. System.Exception", "exception")]
    public void The_invariant_is_read_from_the_violation(string violation, string invariant) =>
        Assert.Equal(invariant, Violations.InvariantOf(violation));
}
