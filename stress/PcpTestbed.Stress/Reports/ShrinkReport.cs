using PcpTestbed.Coyote;
using PcpTestbed.Coyote.Shrink;

namespace PcpTestbed.Stress.Reports;

/// <summary>shrink's JSON: the input and output traces, the counts before and after (operations, steps and preemptions of the scripts), what was left out.</summary>
public sealed record ShrinkReport(
    string Trace,
    string ShrunkTrace,
    string Violation,
    string Invariant,
    StepCounts Before,
    StepCounts After,
    IReadOnlyList<ScriptOp> Skipped,
    bool Smaller,
    int Candidates,
    double ElapsedSeconds,
    bool BudgetExhausted);
