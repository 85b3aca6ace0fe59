using PcpTestbed.Coyote;
using PcpTestbed.Designs;

namespace PcpTestbed.Coyote.Tests;

/// <summary>Without injected bugs, every scenario passes on every design it applies to: a clean bill.</summary>
public sealed class CleanScenarioTests : ControlledTest
{
    public static TheoryData<string, DesignKind> ScenarioDesigns()
    {
        var data = new TheoryData<string, DesignKind>();
        foreach (var s in Catalog.Scenarios.Where(s => s.Name != Catalog.CanaryScenario))
        {
            foreach (var d in s.Designs)
            {
                data.Add(s.Name, d);
            }
        }

        return data;
    }

    /// <summary>Scenarios that exercise every lock path (waits, parks, trylock failures, the lock-free list) for the per-strategy runs.</summary>
    public static TheoryData<string, DesignKind, SchedulingStrategy> ScenarioDesignsByStrategy()
    {
        var data = new TheoryData<string, DesignKind, SchedulingStrategy>();
        (string, DesignKind)[] picks =
        [
            ("remote-free-vs-drain", DesignKind.Pageblock),
            ("cpu-offline-remote-free", DesignKind.PageblockLockFree),
            ("trylock-failures", DesignKind.Mainline),
            ("drain-all-vs-alloc", DesignKind.PageblockCmaFix),
        ];
        foreach (var strategy in SchedulingStrategies.All.Where(s => s != SchedulingStrategy.Portfolio))
        {
            foreach (var (scenario, design) in picks)
            {
                data.Add(scenario, design, strategy);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ScenarioDesigns))]
    public void Scenario_passes_without_injected_bugs(string scenario, DesignKind design)
    {
        var r = Explore(scenario, design, InjectedBug.None, TestBudgets.CleanIterations);

        Assert.False(r.BugFound, Describe(r));
        Assert.Equal(TestBudgets.CleanIterations, r.Iterations);
    }

    [Theory]
    [MemberData(nameof(ScenarioDesignsByStrategy))]
    public void Scenario_passes_without_injected_bugs_under_every_strategy(string scenario, DesignKind design, SchedulingStrategy strategy)
    {
        var r = Explore(scenario, design, InjectedBug.None, TestBudgets.CleanIterationsPerStrategy, strategy);

        Assert.False(r.BugFound, Describe(r));
    }
}
