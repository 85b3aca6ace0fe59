namespace PcpTestbed.Model.Proc;

/// <summary>One /proc/sys/vm value the formulas take, and the file it came from.</summary>
public sealed record SysctlValue(string Name, long Value, string Path)
{
    public const string MinFreeKbytes = "min_free_kbytes";
    public const string WatermarkScaleFactor = "watermark_scale_factor";
    public const string PercpuPagelistHighFraction = "percpu_pagelist_high_fraction";

    /// <summary>The sysctls the importer reads.</summary>
    public static IReadOnlyList<string> Names { get; } = [MinFreeKbytes, WatermarkScaleFactor, PercpuPagelistHighFraction];

    /// <summary>
    /// Parses a sysctl file: one integer and a newline. The range is what the kernel's handler
    /// accepts (mm/page_alloc.c sysctl table), so a value outside it is a damaged copy.
    /// </summary>
    /// <exception cref="ProcFormatException">Not one integer in the sysctl's range.</exception>
    public static SysctlValue Parse(string name, string text, string path)
    {
        var file = new ProcText(path, text);
        var (min, max, range) = name switch
        {
            MinFreeKbytes => (0L, (long)int.MaxValue, "a size in KB, 0..2^31-1"),
            WatermarkScaleFactor => (1L, 3000L, "a factor in 1..3000"),
            PercpuPagelistHighFraction => (0L, (long)int.MaxValue, $"0 (auto-tuned) or a fraction ≥ {PageAlloc.MinPercpuPagelistHighFraction}"),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not a sysctl the importer reads"),
        };
        var expected = $"{name} as {range}";
        string[] tokens = file.LineCount == 0 ? [] : ProcText.Tokens(file[1]);
        if (file.LineCount != 1 || tokens.Length != 1)
        {
            throw file.Error(file.LineCount == 0 ? 0 : 1, expected + " on one line", text.Trim());
        }

        var value = file.ParseCount(1, tokens[0], max, expected);
        if (value < min || (name == PercpuPagelistHighFraction && value != 0 && value < PageAlloc.MinPercpuPagelistHighFraction))
        {
            throw file.Error(1, expected, tokens[0]);
        }

        return new SysctlValue(name, value, path);
    }
}
