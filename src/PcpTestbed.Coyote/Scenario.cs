using PcpTestbed.Designs;

namespace PcpTestbed.Coyote;

/// <summary>
/// A concurrency scenario: a small machine, a setup, and per-CPU scripts run on controlled threads, with
/// the full auditor at every quiescent point and at the end, plus any invariant of its own the auditor
/// cannot see. Each iteration gets a fresh zone, allocator and <see cref="ScenarioIteration"/>.
/// </summary>
public abstract class Scenario
{
    /// <summary>The name the CLI and trace files use, e.g. "remote-free-vs-drain".</summary>
    public abstract string Name { get; }

    public abstract string Description { get; }

    /// <summary>The designs the scenario applies to (and must pass without injected bugs).</summary>
    public abstract IReadOnlyList<DesignKind> Designs { get; }

    /// <summary>The machine for <paramref name="design"/>.</summary>
    public abstract ScenarioConfig Configure(DesignKind design);

    /// <summary>A fresh per-iteration instance over <paramref name="run"/>'s zone and allocator.</summary>
    public abstract ScenarioIteration Start(ScenarioRun run);

    public bool AppliesTo(DesignKind design) => Designs.Contains(design);

    /// <summary>What a trace of this scenario must carry besides its name to be replayed (a repro's operations, skipped operations).</summary>
    internal virtual TraceFile Annotate(TraceFile trace) => trace;
}
