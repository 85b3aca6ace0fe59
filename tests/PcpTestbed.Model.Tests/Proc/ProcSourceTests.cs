using PcpTestbed.Model.Proc;

namespace PcpTestbed.Model.Tests.Proc;

public class ProcSourceTests
{
    [Fact]
    public void A_missing_file_is_named_by_its_path()
    {
        var dir = ProcFixtures.Malformed("missing-pagetypeinfo");

        var e = Assert.Throws<ProcFormatException>(() => ProcSource.FromDirectory(dir).Read());

        Assert.Equal(Path.Combine(dir, "pagetypeinfo"), e.Path);
        Assert.Equal($"{Path.Combine(dir, "pagetypeinfo")}: expected a readable file, got no such file", e.Message);
    }

    [Fact]
    public void A_missing_folder_reports_its_zoneinfo_as_missing()
    {
        var dir = Path.Combine(Path.GetTempPath(), "pcptestbed-no-such-folder");

        var e = Assert.Throws<ProcFormatException>(() => ProcSource.FromDirectory(dir).Read());

        Assert.Equal(Path.Combine(dir, "zoneinfo"), e.Path);
    }

    [Fact]
    public void Sysctls_are_read_from_the_folder_itself()
    {
        var sysctls = ProcFixtures.Load(ProcFixtures.ThisMachine).Sysctls;

        Assert.Equal(67584, sysctls.MinFreeKbytes!.Value);
        Assert.Equal(Path.Combine(ProcFixtures.Dir(ProcFixtures.ThisMachine), "min_free_kbytes"), sysctls.MinFreeKbytes.Path);
        Assert.Equal(10, sysctls.WatermarkScaleFactor!.Value);
        Assert.Equal(0, sysctls.PercpuPagelistHighFraction!.Value);
    }

    [Fact]
    public void Sysctls_are_read_from_sys_vm_as_in_proc_itself()
    {
        var sysctls = ProcFixtures.Load(ProcFixtures.CmaKernel).Sysctls;

        Assert.Equal(Path.Combine(ProcFixtures.Dir(ProcFixtures.CmaKernel), "sys", "vm", "min_free_kbytes"), sysctls.MinFreeKbytes!.Path);
        Assert.Null(sysctls.PercpuPagelistHighFraction);
    }

    [Fact]
    public void Sysctls_not_given_are_null()
    {
        var sysctls = ProcFixtures.Load(ProcFixtures.Normal64G).Sysctls;

        Assert.Null(sysctls.MinFreeKbytes);
        Assert.Null(sysctls.WatermarkScaleFactor);
    }

    [Theory]
    [InlineData(SysctlValue.MinFreeKbytes, "abc\n", "expected min_free_kbytes as a size in KB, 0..2^31-1, got 'abc'")]
    [InlineData(SysctlValue.MinFreeKbytes, "-1\n", "expected min_free_kbytes as a size in KB, 0..2^31-1, got '-1'")]
    [InlineData(SysctlValue.WatermarkScaleFactor, "0\n", "expected watermark_scale_factor as a factor in 1..3000, got '0'")]
    [InlineData(SysctlValue.WatermarkScaleFactor, "3001\n", "expected watermark_scale_factor as a factor in 1..3000, got '3001'")]
    [InlineData(SysctlValue.PercpuPagelistHighFraction, "5\n", "expected percpu_pagelist_high_fraction as 0 (auto-tuned) or a fraction ≥ 8, got '5'")]
    public void A_sysctl_outside_the_kernels_range_is_rejected(string name, string text, string expected)
    {
        var e = Assert.Throws<ProcFormatException>(() => SysctlValue.Parse(name, text, "/x/" + name));

        Assert.Equal($"/x/{name}:1: {expected}", e.Message);
    }

    [Fact]
    public void A_sysctl_file_holds_one_integer()
    {
        Assert.Equal(67584, SysctlValue.Parse(SysctlValue.MinFreeKbytes, "67584\n", "/x/m").Value);
        Assert.Throws<ProcFormatException>(() => SysctlValue.Parse(SysctlValue.MinFreeKbytes, "67584 1\n", "/x/m"));
        Assert.Throws<ProcFormatException>(() => SysctlValue.Parse(SysctlValue.MinFreeKbytes, "", "/x/m"));
    }
}
