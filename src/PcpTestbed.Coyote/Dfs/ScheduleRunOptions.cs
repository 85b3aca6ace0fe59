using PcpTestbed.Designs;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote.Dfs;

/// <summary>A schedule to run under our scheduler (<see cref="ScheduleRunner"/>): a recorded one, a prefix of it, or an edit.</summary>
public sealed record ScheduleRunOptions
{
    /// <summary>A scenario name from <see cref="Catalog.Scenarios"/>.</summary>
    public required string Scenario { get; init; }

    public required DesignKind Design { get; init; }

    public InjectedBug Bugs { get; init; } = InjectedBug.None;

    /// <summary>The steps to follow; past its end the default policy decides (<see cref="ScheduleRunner"/>).</summary>
    public required IReadOnlyList<ScheduleStep> Schedule { get; init; }

    /// <summary>
    /// Stop at the first step that does not meet its recorded point (a strict replay), instead of going on with the
    /// recorded CPU if it can run, else the default policy's.
    /// </summary>
    public bool StopAtDivergence { get; init; }

    public LockElision? Elision { get; init; }

    /// <summary>Lock nestings lockdep had seen before (a trace's lockOrderBefore).</summary>
    public IReadOnlyList<LockOrderEdge> LockOrderBefore { get; init; } = [];

    public int MaxSteps { get; init; } = 20_000;
}
