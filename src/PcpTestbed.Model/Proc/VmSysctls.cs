namespace PcpTestbed.Model.Proc;

/// <summary>
/// The vm sysctls behind the watermark and PCP formulas, each null when no copy was given
/// (the formulas then use the kernel's default or calculate_min_free_kbytes()).
/// </summary>
public sealed record VmSysctls
{
    public static VmSysctls None { get; } = new();

    public SysctlValue? MinFreeKbytes { get; init; }

    public SysctlValue? WatermarkScaleFactor { get; init; }

    public SysctlValue? PercpuPagelistHighFraction { get; init; }

    /// <summary>Sets the value named by <see cref="SysctlValue.Name"/>.</summary>
    public VmSysctls With(SysctlValue value) => value.Name switch
    {
        SysctlValue.MinFreeKbytes => this with { MinFreeKbytes = value },
        SysctlValue.WatermarkScaleFactor => this with { WatermarkScaleFactor = value },
        SysctlValue.PercpuPagelistHighFraction => this with { PercpuPagelistHighFraction = value },
        _ => throw new ArgumentOutOfRangeException(nameof(value), value.Name, "not a sysctl the importer reads"),
    };
}
