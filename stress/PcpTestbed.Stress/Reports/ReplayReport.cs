using System.Text.Json.Serialization;
using PcpTestbed.Coyote;

namespace PcpTestbed.Stress.Reports;

/// <summary>replay's JSON.</summary>
/// <param name="Engine">The engine that recorded and replayed the trace: "coyote" or "dfs".</param>
/// <param name="Reproduced">The replay met every recorded point and failed with exactly the violation the trace recorded.</param>
/// <param name="Violation">What the replay reported, or null if it ran clean or stopped at a divergence.</param>
/// <param name="Divergence">"the code changed since this trace: diverged at step K (expected site X, found site Y)", or null.</param>
/// <param name="DivergedAtStep">K, or null.</param>
/// <param name="SiteTableChanged">This build's scheduling-point site table differs from the one the trace was recorded against.</param>
public sealed record ReplayReport(
    string Trace,
    string Engine,
    string Scenario,
    string Design,
    IReadOnlyList<string> Bugs,
    bool Reproduced,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Violation,
    string ExpectedViolation,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Divergence,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] int? DivergedAtStep,
    bool SiteTableChanged,
    double ElapsedSeconds,
    IReadOnlyList<TraceStep> Steps);
