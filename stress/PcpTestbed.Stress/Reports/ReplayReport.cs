using System.Text.Json.Serialization;
using PcpTestbed.Coyote;

namespace PcpTestbed.Stress.Reports;

/// <summary>replay's JSON.</summary>
/// <param name="Reproduced">The replay failed with exactly the violation the trace recorded.</param>
/// <param name="Violation">What the replay reported, or null if it ran clean.</param>
public sealed record ReplayReport(
    string Trace,
    string Scenario,
    string Design,
    IReadOnlyList<string> Bugs,
    bool Reproduced,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Violation,
    string ExpectedViolation,
    double ElapsedSeconds,
    IReadOnlyList<TraceStep> Steps);
