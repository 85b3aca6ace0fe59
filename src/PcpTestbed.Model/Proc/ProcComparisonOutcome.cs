namespace PcpTestbed.Model.Proc;

/// <summary>How a formula value compares with what /proc shows.</summary>
public enum ProcComparisonOutcome
{
    Agrees,
    Differs,

    /// <summary>/proc does not print the value (the highatomic cap), or this kernel's zoneinfo lacks the line.</summary>
    NotShownByProc,

    /// <summary>The model has no formula for this zone kind (highmem and movable watermarks).</summary>
    NotModelled,
}
