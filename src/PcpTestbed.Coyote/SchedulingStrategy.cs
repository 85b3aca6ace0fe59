namespace PcpTestbed.Coyote;

/// <summary>The Coyote 1.7 exploration strategies an exploration can use.</summary>
public enum SchedulingStrategy
{
    /// <summary>Coyote's default: no With*Strategy call; each iteration rotates random, probabilistic, fair PCT and fair delay bounding.</summary>
    Portfolio,

    /// <summary>WithRandomStrategy(): a uniformly random choice at every scheduling point.</summary>
    Random,

    /// <summary>WithPrioritizationStrategy(isFair: false, bound): PCT with <c>bound</c> priority changes.</summary>
    Pct,

    /// <summary>WithPrioritizationStrategy(isFair: true, bound): PCT, then random once the unfair step bound is reached.</summary>
    FairPct,

    /// <summary>WithProbabilisticStrategy(bound): keeps the current CPU with probability 1 - 0.5^bound.</summary>
    Probabilistic,

    /// <summary>WithQLearningStrategy(): reinforcement learning over program states.</summary>
    QLearning,

    /// <summary>WithDelayBoundingStrategy(isFair: true, bound).</summary>
    DelayBounding,
}
