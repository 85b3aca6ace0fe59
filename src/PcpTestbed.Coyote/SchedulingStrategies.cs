using Microsoft.Coyote;

namespace PcpTestbed.Coyote;

/// <summary>Names of the strategies and how each maps onto a Coyote 1.7.11 configuration.</summary>
public static class SchedulingStrategies
{
    private static readonly (SchedulingStrategy Strategy, string Name, uint DefaultBound)[] Table =
    [
        (SchedulingStrategy.Portfolio, "portfolio", 0),
        (SchedulingStrategy.Random, "random", 0),
        (SchedulingStrategy.Pct, "pct", 10),
        (SchedulingStrategy.FairPct, "fair-pct", 10),
        (SchedulingStrategy.Probabilistic, "probabilistic", 3),
        (SchedulingStrategy.QLearning, "q-learning", 0),
        (SchedulingStrategy.DelayBounding, "delay-bounding", 10),
    ];

    public static IEnumerable<SchedulingStrategy> All => Table.Select(t => t.Strategy);

    public static string Names => string.Join(", ", Table.Select(t => t.Name));

    public static string Name(SchedulingStrategy s) => Table.First(t => t.Strategy == s).Name;

    /// <summary>The strategy's bound when none is given: priority changes for PCT, delays for delay bounding, the level for probabilistic.</summary>
    public static uint DefaultBound(SchedulingStrategy s) => Table.First(t => t.Strategy == s).DefaultBound;

    public static bool TryParse(string name, out SchedulingStrategy strategy)
    {
        foreach (var t in Table)
        {
            if (string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                strategy = t.Strategy;
                return true;
            }
        }

        strategy = default;
        return false;
    }

    /// <summary>Applies the strategy. The portfolio is what Coyote runs when no strategy is chosen.</summary>
    internal static Configuration Apply(Configuration config, SchedulingStrategy s, uint? bound)
    {
        var b = bound ?? DefaultBound(s);
        return s switch
        {
            SchedulingStrategy.Portfolio => config,
            SchedulingStrategy.Random => config.WithRandomStrategy(),
            SchedulingStrategy.Pct => config.WithPrioritizationStrategy(isFair: false, priorityChangeBound: b),
            SchedulingStrategy.FairPct => config.WithPrioritizationStrategy(isFair: true, priorityChangeBound: b),
            SchedulingStrategy.Probabilistic => config.WithProbabilisticStrategy(b),
            SchedulingStrategy.QLearning => config.WithQLearningStrategy(),
            SchedulingStrategy.DelayBounding => config.WithDelayBoundingStrategy(isFair: true, delayBound: b),
            _ => throw new ArgumentOutOfRangeException(nameof(s), s, null),
        };
    }
}
