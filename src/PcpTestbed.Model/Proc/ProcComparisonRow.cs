namespace PcpTestbed.Model.Proc;

/// <summary>One value of a zone: the kernel's formula, /proc, and whether they agree.</summary>
/// <param name="Name">The kernel's name: min, low, high, promo, batch, high_min, high_max, highatomic cap.</param>
/// <param name="Formula">What the formula gives, or null where the model has none.</param>
/// <param name="Proc">What /proc shows (watermarks without the boost), or null where it shows nothing.</param>
/// <param name="Note">Why a value is missing or which CPUs disagree; empty when there is nothing to add.</param>
public sealed record ProcComparisonRow(string Name, long? Formula, long? Proc, ProcComparisonOutcome Outcome, string Note = "");
