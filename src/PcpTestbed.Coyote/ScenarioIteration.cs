namespace PcpTestbed.Coyote;

/// <summary>One iteration of a scenario: its setup, its CPU scripts and its own invariants.</summary>
public abstract class ScenarioIteration
{
    protected ScenarioIteration(ScenarioRun run)
    {
        Run = run;
    }

    protected ScenarioRun Run { get; }

    /// <summary>
    /// Builds the starting state by calling the allocator through <see cref="Run"/>. Runs alone on the test
    /// body before any CPU thread starts, without scheduling points; the auditor runs after it.
    /// </summary>
    public abstract void Setup();

    /// <summary>The CPU scripts, one controlled thread each, started together once setup is done.</summary>
    public abstract IReadOnlyList<CpuScript> Scripts();

    /// <summary>A scenario invariant at a quiescent point (after the auditor passed): the violation text, or null.</summary>
    public virtual string? CheckQuiescent() => null;

    /// <summary>A scenario invariant once every script has finished: the violation text, or null.</summary>
    public virtual string? CheckFinal() => null;
}
