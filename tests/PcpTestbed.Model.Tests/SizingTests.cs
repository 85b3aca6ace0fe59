using PcpTestbed.Model.Layout;

namespace PcpTestbed.Model.Tests;

/// <summary>
/// KERNEL.md §1 sizing: PCP batch, high_min/high_max, min_free_kbytes and the watermarks. Expected values
/// are written out by hand from the formula text, not taken from the functions under test.
/// </summary>
public class SizingTests
{
    private const long GiB = 1L << 30;
    private const long MiB = 1L << 20;

    public static TheoryData<long> ZoneBytes => new() { 1 * GiB, 4 * GiB, 16 * GiB, 64 * GiB, 256 * MiB, 2 * MiB };

    /// <summary>
    /// zone_batchsize() as the text states it: min(managed >> 10, 1 MiB of pages = 256), / 4, at least 1,
    /// then rounddown_pow_of_two(b + b / 2) - 1, and zone_set_pageset_high_and_batch() keeps it at least 1.
    /// </summary>
    private static int BatchByHand(long managed)
    {
        var b = Math.Min(managed >> 10, 256);
        b /= 4;
        if (b < 1)
        {
            b = 1;
        }

        var x = b + b / 2;
        var pow = 1L;
        while (pow * 2 <= x)
        {
            pow *= 2;
        }

        return (int)Math.Max(1, pow - 1);
    }

    [Theory]
    [InlineData(262144, 63)]   // 1 GiB: 256 / 4 = 64 -> 96 -> 64 -> 63
    [InlineData(16777216, 63)] // 64 GiB: capped at 1 MiB of pages
    [InlineData(196608, 63)]   // 768 MiB: 192 / 4 = 48 -> 72 -> 64 -> 63
    [InlineData(131072, 31)]   // 512 MiB: 128 / 4 = 32 -> 48 -> 32 -> 31
    [InlineData(100000, 31)]   // 97 / 4 = 24 -> 36 -> 32 -> 31
    [InlineData(65536, 15)]    // 256 MiB: 64 / 4 = 16 -> 24 -> 16 -> 15
    [InlineData(32768, 7)]     // 128 MiB: 8 -> 12 -> 8 -> 7
    [InlineData(16384, 3)]     // 64 MiB: 4 -> 6 -> 4 -> 3
    [InlineData(8192, 1)]      // 32 MiB: 2 -> 3 -> 2 -> 1
    [InlineData(4096, 1)]      // 16 MiB: 1 -> 1 -> 1 -> 0, kept at 1
    [InlineData(512, 1)]       // 2 MiB: 0, raised to 1, -> 0, kept at 1
    public void Zone_batchsize_matches_the_formula(long managed, int batch)
    {
        Assert.Equal(batch, BatchByHand(managed));
        Assert.Equal(batch, ZoneFormulas.ZoneBatchsize(managed));
    }

    [Theory]
    [MemberData(nameof(ZoneBytes))]
    public void The_batch_is_63_for_every_zone_of_1G_or_more_and_the_formula_below(long bytes)
    {
        var managed = bytes / PageAlloc.PageSizeBytes;

        var batch = ZoneFormulas.ZoneBatchsize(managed);

        Assert.Equal(bytes >= GiB ? 63 : BatchByHand(managed), batch);
    }

    [Theory]
    [MemberData(nameof(ZoneBytes))]
    public void High_min_and_high_max_split_the_low_watermark_and_an_eighth_of_the_zone_across_1_to_256_cpus(long bytes)
    {
        var managed = bytes / PageAlloc.PageSizeBytes;
        var low = ZoneFormulas.DefaultWatermarks(managed).Low;
        var batch = BatchByHand(managed);

        for (var cpus = 1; cpus <= 256; cpus++)
        {
            var sizing = ZoneParameters.Derive(managed, cpus).Pcp;

            Assert.Equal(batch, sizing.Batch);
            Assert.Equal(Math.Max(low / cpus, 4L * batch), sizing.HighMin);
            Assert.Equal(Math.Max(managed / 8 / cpus, 4L * batch), sizing.HighMax);
        }
    }

    [Theory]
    [InlineData(262144, 1, 63, 1286, 32768)]
    [InlineData(262144, 256, 63, 252, 252)]      // both fall to 4 * batch
    [InlineData(16777216, 64, 63, 390, 32768)]   // 64 GiB: 24969 / 64, 2097152 / 64
    [InlineData(65536, 2, 15, 320, 4096)]        // 256 MiB
    [InlineData(512, 1, 1, 56, 64)]              // 2 MiB
    public void Pcp_sizing_spot_values(long managed, int cpus, int batch, int highMin, int highMax)
    {
        Assert.Equal(new PcpSizing(batch, highMin, highMax), ZoneParameters.Derive(managed, cpus).Pcp);
    }

    [Theory]
    [InlineData(262144, 4096)]      // 1 GiB: sqrt(1048576 * 16)
    [InlineData(1048576, 8192)]     // 4 GiB
    [InlineData(4194304, 16384)]    // 16 GiB
    [InlineData(16777216, 32768)]   // 64 GiB
    [InlineData(65536, 2048)]       // 256 MiB
    [InlineData(512, 181)]          // 2 MiB: isqrt(32768) = 181 (181^2 = 32761)
    [InlineData(128, 128)]          // 512 KiB: isqrt(8192) = 90, raised to 128
    [InlineData(1, 128)]            // one page: 8, raised to 128
    [InlineData(1L << 30, 262144)]  // 4 TiB: sqrt(2^36) = 2^18, the top of the clamp
    [InlineData(1L << 32, 262144)]  // 16 TiB: 2^19, clamped
    public void Min_free_kbytes_is_the_clamped_square_root_of_16_times_lowmem_kbytes(long lowmemPages, long kbytes)
    {
        Assert.Equal(kbytes, ZoneFormulas.CalculateMinFreeKbytes(lowmemPages));
    }

    [Theory]
    // managed, min, low, high, promo: min = min_free_kbytes / 4 pages, delta = max(min / 4, managed * 10 / 10000)
    [InlineData(262144, 1024, 1286, 1548, 1810)]        // 1 GiB: delta max(256, 262) = 262
    [InlineData(1048576, 2048, 3096, 4144, 5192)]       // 4 GiB: delta max(512, 1048)
    [InlineData(4194304, 4096, 8290, 12484, 16678)]     // 16 GiB: delta max(1024, 4194)
    [InlineData(16777216, 8192, 24969, 41746, 58523)]   // 64 GiB: delta max(2048, 16777)
    [InlineData(65536, 512, 640, 768, 896)]             // 256 MiB: delta max(128, 65)
    [InlineData(512, 45, 56, 67, 78)]                   // 2 MiB: 181 kB -> 45 pages, delta max(11, 0)
    public void The_watermarks_of_a_zone_that_is_all_of_lowmem(long managed, long min, long low, long high, long promo)
    {
        Assert.Equal(new Watermarks(min, low, high, promo), ZoneFormulas.DefaultWatermarks(managed));
    }

    [Fact]
    public void A_zone_gets_its_share_of_min_by_managed_pages_when_lowmem_has_other_zones()
    {
        // A 1 GiB zone in 4 GiB of lowmem: min_free_kbytes 8192 -> 2048 pages, a quarter of them here.
        var wm = ZoneFormulas.SetupPerZoneWmarks(262144, 1048576, 8192, 10);

        Assert.Equal(512, wm.Min);
        Assert.Equal(512 + 262, wm.Low); // max(512 / 4, 262)
    }

    [Fact]
    public void A_built_zone_uses_the_formulas_unless_its_spec_gives_watermarks()
    {
        var formulas = ZoneBuilder.Build(ZoneSpec.Parse("1G"));
        var given = new Watermarks(1, 2, 3, 4);
        var explicitMarks = ZoneBuilder.Build(ZoneSpec.Parse("2M") with { Watermarks = given });

        Assert.Equal(new Watermarks(1024, 1286, 1548, 1810), formulas.Watermarks);
        Assert.Equal(given, explicitMarks.Watermarks);
        TestZones.AssertAuditClean(formulas);
        TestZones.AssertAuditClean(explicitMarks);
    }

    [Fact]
    public void A_high_fraction_makes_high_min_equal_high_max()
    {
        var sizing = PcpSizing.Derive(262144, 1286, 4, highFraction: 8);

        Assert.Equal(262144 / 8 / 4, sizing.HighMin);
        Assert.Equal(sizing.HighMin, sizing.HighMax);
    }
}
