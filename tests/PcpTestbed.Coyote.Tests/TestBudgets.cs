namespace PcpTestbed.Coyote.Tests;

/// <summary>
/// Iteration budgets, chosen so the whole project runs in a few minutes on two cores (see the README's
/// performance table for iterations per second) while each scenario still explores hundreds of schedules.
/// </summary>
internal static class TestBudgets
{
    /// <summary>The seed of every exploration here. Coyote runs seed + i in iteration i, so results are fixed.</summary>
    public const uint Seed = 1;

    /// <summary>
    /// The seeds of a reproduction test that runs one iteration a seed and holds whichever CPU the engine runs first: with
    /// 2 CPUs, eight seeds make it all but certain that both come first in some.
    /// </summary>
    public static TheoryData<uint> OneIterationSeeds => new(1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u);

    /// <summary>Every scenario on every design it applies to, without bugs, under the default strategy.</summary>
    public const int CleanIterations = 300;

    /// <summary>Scenarios run clean under every other strategy.</summary>
    public const int CleanIterationsPerStrategy = 100;

    /// <summary>A catalogued bug under a strategy other than the default (whose budget is the catalogue's).</summary>
    public const int BugIterationsOtherStrategies = 1000;
}
