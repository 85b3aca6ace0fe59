namespace PcpTestbed.Coyote.Shrink;

/// <summary>What shrink did: the counts before and after, the operations it dropped, and the trace it wrote.</summary>
public sealed record ShrinkResult
{
    public required string Path { get; init; }

    public required string OutputPath { get; init; }

    public required string Violation { get; init; }

    public required string Invariant { get; init; }

    public required StepCounts Before { get; init; }

    public required StepCounts After { get; init; }

    /// <summary>Script operations the shrunk trace leaves out (its own and those the input had left out).</summary>
    public required IReadOnlyList<ScriptOp> Skipped { get; init; }

    /// <summary>Candidates tried: operations to drop, then schedule edits.</summary>
    public required int Candidates { get; init; }

    public required TimeSpan Elapsed { get; init; }

    /// <summary>Whether it found a smaller trace; false: the output is a copy of the input (nothing smaller failed the same way).</summary>
    public required bool Smaller { get; init; }

    /// <summary>Whether the time budget stopped it before every candidate was tried.</summary>
    public required bool BudgetExhausted { get; init; }
}
