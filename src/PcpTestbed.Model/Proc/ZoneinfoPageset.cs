namespace PcpTestbed.Model.Proc;

/// <summary>
/// One CPU's struct per_cpu_pages for a zone, as /proc/zoneinfo prints it under "pagesets".
/// <see cref="HighMin"/> and <see cref="HighMax"/> are null on kernels before PCP auto-tuning (6.7).
/// </summary>
public sealed record ZoneinfoPageset
{
    public required int Cpu { get; init; }

    public required int Count { get; init; }

    public required int High { get; init; }

    public required int Batch { get; init; }

    public int? HighMin { get; init; }

    public int? HighMax { get; init; }

    /// <summary>The line of "cpu: N".</summary>
    public required int Line { get; init; }
}
