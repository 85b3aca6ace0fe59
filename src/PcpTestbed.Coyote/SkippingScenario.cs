using PcpTestbed.Designs;

namespace PcpTestbed.Coyote;

/// <summary>A scenario with some of its script operations skipped (a shrunk trace's): the same name, machine and setup.</summary>
internal sealed class SkippingScenario(Scenario inner, IReadOnlySet<ScriptOp> skip) : Scenario
{
    public Scenario Inner => inner;

    public IReadOnlySet<ScriptOp> Skipped => skip;

    public override string Name => inner.Name;

    public override string Description => inner.Description;

    public override IReadOnlyList<DesignKind> Designs => inner.Designs;

    public override ScenarioConfig Configure(DesignKind design) => inner.Configure(design);

    public override ScenarioIteration Start(ScenarioRun run)
    {
        run.Skip = skip;
        return inner.Start(run);
    }

    internal override TraceFile Annotate(TraceFile trace) => inner.Annotate(trace) with
    {
        SkippedOperations = [.. skip.OrderBy(s => s.Cpu).ThenBy(s => s.Index)],
    };
}
