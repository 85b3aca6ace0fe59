using System.Text.Json.Serialization;
using PcpTestbed.Coyote;
using PcpTestbed.Coyote.Dfs;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Stress.Reports;

/// <summary>explore --exhaustive's JSON (engine "dfs"). The fields a reader tests for are always written, null when they do not apply.</summary>
/// <param name="Verdict">holds, bug-found or incomplete (the time budget ran out: nothing is claimed).</param>
/// <param name="Schedules">Schedules run, up to and including a failing one.</param>
/// <param name="TimeBudgetSeconds">The time budget, or null for none.</param>
/// <param name="TotalSteps">Scheduling steps over every schedule.</param>
/// <param name="Switches">Steps that handed the baton to another CPU's thread.</param>
/// <param name="FailingSchedule">The 1-based number of the failing schedule, or null.</param>
/// <param name="Preemptions">Preemptions in the failing schedule, or null.</param>
/// <param name="Steps">The failing schedule's steps as a trace prints them (empty without a bug).</param>
/// <param name="Schedule">The failing schedule: every step's CPU, kind and site (empty without a bug).</param>
public sealed record ExhaustiveExploreReport(
    string Engine,
    string Scenario,
    string Design,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Bug,
    int PreemptionBound,
    bool Reduction,
    ExhaustiveVerdict Verdict,
    long Schedules,
    double ElapsedSeconds,
    double SchedulesPerSecond,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? TimeBudgetSeconds,
    long TotalSteps,
    long Switches,
    int MaxScheduleSteps,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? FailingSchedule,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] int? Preemptions,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Violation,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Invariant,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Trace,
    IReadOnlyList<TraceStep> Steps,
    IReadOnlyList<ScheduleStep> Schedule,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Elision,
    CoverageReport Coverage,
    IReadOnlyList<LockOrderEdge> LockOrder);
