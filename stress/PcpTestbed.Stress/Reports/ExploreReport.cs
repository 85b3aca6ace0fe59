using System.Text.Json.Serialization;
using PcpTestbed.Coyote;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Stress.Reports;

/// <summary>explore's JSON under Coyote (engine "coyote"). The fields a reader tests for are always written, null when they do not apply.</summary>
/// <param name="Engine">"coyote"; explore --exhaustive writes <see cref="ExhaustiveExploreReport"/>, engine "dfs".</param>
/// <param name="Bug">The injected bug switched on (--bug), or null.</param>
/// <param name="Iterations">Iterations run, up to and including the one that found the bug.</param>
/// <param name="IterationsRequested">The budget (--iterations).</param>
/// <param name="Trace">The trace file written for the bug, or null.</param>
/// <param name="Elision">The elided lock of a lock-elision run ("zone->lock@rmqueue_bulk"), or null.</param>
/// <param name="Coverage">Sites reached (with counts), sites adjacent on different CPUs, sites never reached, lock acquisitions by class and site.</param>
/// <param name="LockOrder">Lockdep's lock-order graph: every nesting of two locks the iterations took, with both sites.</param>
public sealed record ExploreReport(
    string Engine,
    string Scenario,
    string Design,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Bug,
    string Strategy,
    uint Seed,
    int Iterations,
    int IterationsRequested,
    bool BugFound,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] int? FirstBugIteration,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Violation,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Invariant,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Trace,
    double ElapsedSeconds,
    double IterationsPerSecond,
    IReadOnlyList<TraceStep> Steps,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Elision,
    CoverageReport Coverage,
    IReadOnlyList<LockOrderEdge> LockOrder);
