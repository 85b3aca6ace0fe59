namespace PcpTestbed.Model.Proc;

/// <summary>
/// The kernel's formulas for one zone set against /proc: the inputs used, the parameters
/// derived, and a row per value.
/// </summary>
public sealed record ProcFormulaComparison
{
    public required int Node { get; init; }

    public required string ZoneName { get; init; }

    public required long ManagedPages { get; init; }

    /// <summary>Σ managed of every zone that is neither HighMem nor Movable, on every node (__setup_per_zone_wmarks()).</summary>
    public required long LowmemPages { get; init; }

    public required long MinFreeKbytes { get; init; }

    /// <summary>The file min_free_kbytes came from, or "calculate_min_free_kbytes()" when none was given.</summary>
    public required string MinFreeKbytesOrigin { get; init; }

    /// <summary>calculate_min_free_kbytes(lowmem): what the kernel picks before anything raises it.</summary>
    public required long CalculatedMinFreeKbytes { get; init; }

    public required int WatermarkScaleFactor { get; init; }

    public required int PercpuPagelistHighFraction { get; init; }

    /// <summary>The CPUs high_min and high_max are split across.</summary>
    public required int Cpus { get; init; }

    /// <summary>Everything the formulas derive, or null for a zone whose watermarks the model has no formula for.</summary>
    public ZoneParameters? Derived { get; init; }

    public required IReadOnlyList<ProcComparisonRow> Rows { get; init; }

    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>True when no row differs (rows /proc cannot show do not count against it).</summary>
    public bool AllAgree => Rows.All(r => r.Outcome != ProcComparisonOutcome.Differs);

    /// <summary>The row of a value by its kernel name.</summary>
    public ProcComparisonRow Row(string name) =>
        Rows.FirstOrDefault(r => r.Name == name) ?? throw new ArgumentOutOfRangeException(nameof(name), name, "no such row");
}
