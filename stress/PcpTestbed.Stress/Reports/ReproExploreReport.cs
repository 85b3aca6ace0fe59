using System.Text.Json.Serialization;
using PcpTestbed.Coyote.Repro;

namespace PcpTestbed.Stress.Reports;

/// <summary>explore --from-repro's JSON.</summary>
/// <param name="Found">Whether the recorded violation's class came back.</param>
/// <param name="Window">Operations per CPU interleaved when it did, or null.</param>
/// <param name="Windows">Each part of a window size's turn: its iterations, what it found and its wall time.</param>
/// <param name="Probes">The serial probes before the windows: each prefix's last operation, whether it broke, its wall time.</param>
public sealed record ReproExploreReport(
    string Repro,
    bool Found,
    string Invariant,
    string RecordedViolation,
    int Operations,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] int? Window,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Violation,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Trace,
    IReadOnlyList<ReproWindowResult> Windows,
    IReadOnlyList<ReproProbeResult> Probes,
    double ElapsedSeconds,
    bool BudgetExhausted);
