using PcpTestbed.Model.Proc;

namespace PcpTestbed.Model.Tests.Proc;

public class ZoneinfoParserTests
{
    private const string Path = "/x/zoneinfo";

    private static readonly string ThisMachine = ProcFixtures.Text(ProcFixtures.ThisMachine, "zoneinfo");

    [Fact]
    public void Every_zone_of_every_node_is_listed_in_file_order()
    {
        var zoneinfo = Zoneinfo.Parse(ThisMachine, Path);

        Assert.Equal(["DMA", "DMA32", "Normal", "Movable", "Device"], zoneinfo.Zones.Select(z => z.Name));
        Assert.All(zoneinfo.Zones, z => Assert.Equal(0, z.Node));
    }

    [Fact]
    public void Zone_fields_are_read_from_their_lines()
    {
        var normal = Zoneinfo.Parse(ThisMachine, Path).Find(0, "Normal")!;

        Assert.Equal(347312, normal.PagesFree);
        Assert.Equal(0, normal.Boost);
        Assert.Equal(new Watermarks(6274, 7842, 9410, 10978), normal.UnboostedWatermarks);
        Assert.Equal(5505024, normal.Spanned);
        Assert.Equal(5505024, normal.Present);
        Assert.Equal(458752, normal.Managed);
        Assert.Equal(0, normal.Cma);
        Assert.Equal([0L, 0, 0, 0, 0], normal.Protection);
        Assert.Equal(347312, normal.NrFreePages);
        Assert.Equal(0, normal.NrFreeCma);
        Assert.Equal(1048576, normal.StartPfn);
        Assert.Equal(154, normal.LineOf("managed"));
    }

    [Fact]
    public void Pagesets_give_each_cpus_count_high_batch_and_bounds()
    {
        var normal = Zoneinfo.Parse(ThisMachine, Path).Find(0, "normal")!;

        Assert.Equal([0, 1], normal.Pagesets.Select(p => p.Cpu));
        Assert.Equal([20794, 14490], normal.Pagesets.Select(p => p.Count));
        Assert.All(normal.Pagesets, p => Assert.Equal(63, p.Batch));
        Assert.All(normal.Pagesets, p => Assert.Equal(3921, p.HighMin));
        Assert.All(normal.Pagesets, p => Assert.Equal(28672, p.HighMax));
    }

    [Fact]
    public void An_unpopulated_zone_ends_after_protection_with_no_pagesets()
    {
        var movable = Zoneinfo.Parse(ThisMachine, Path).Find(0, "Movable")!;

        Assert.Equal(0, movable.Managed);
        Assert.Empty(movable.Pagesets);
        Assert.Null(movable.StartPfn);
    }

    [Fact]
    public void Per_node_stats_and_unknown_counters_are_skipped()
    {
        // A per-node counter named like a zone field, and a counter no kernel prints yet.
        var text = ThisMachine
            .Replace("  per-node stats\n", "  per-node stats\n      managed      999999999\n")
            .Replace("      numa_hit", "      nr_future_counter 17\n      numa_hit");

        var dma = Zoneinfo.Parse(text, Path).Find(0, "DMA")!;

        Assert.Equal(3840, dma.Managed);
    }

    [Fact]
    public void A_kernel_before_pcp_auto_tuning_has_pagesets_without_high_bounds()
    {
        var text = string.Join('\n', ThisMachine.Split('\n').Where(l => !l.Contains("high_min:") && !l.Contains("high_max:")));

        var normal = Zoneinfo.Parse(text, Path).Find(0, "Normal")!;

        Assert.All(normal.Pagesets, p => Assert.Null(p.HighMin));
        Assert.All(normal.Pagesets, p => Assert.Equal(63, p.Batch));
    }

    [Fact]
    public void Shown_watermarks_include_the_boost_and_the_unboosted_ones_do_not()
    {
        var text = ThisMachine.Replace("boost    0\n        min      6274\n        low      7842\n        high     9410\n        promo    10978",
            "boost    512\n        min      6786\n        low      8354\n        high     9922\n        promo    11490");

        var normal = Zoneinfo.Parse(text, Path).Find(0, "Normal")!;

        Assert.Equal(6786, normal.Min);
        Assert.Equal(new Watermarks(6274, 7842, 9410, 10978), normal.UnboostedWatermarks);
    }

    [Fact]
    public void A_malformed_field_names_the_file_line_and_what_was_expected()
    {
        var text = ThisMachine.Replace("        managed  458752", "        managed  45x752");

        var e = Assert.Throws<ProcFormatException>(() => Zoneinfo.Parse(text, Path));

        Assert.Equal($"{Path}:154: expected 'managed <pages>' with a page count up to 2^40, got '45x752'", e.Message);
        Assert.Equal(154, e.Line);
    }

    [Theory]
    [InlineData("        min      -6274", "'-6274'")]
    [InlineData("        min      99999999999999999999999", "'99999999999999999999999'")]
    [InlineData("        min      2199023255553", "'2199023255553'")]
    [InlineData("        min      6274 pages", "'6274 pages'")]
    public void Negative_huge_or_extra_values_are_rejected(string line, string got)
    {
        var text = ThisMachine.Replace("        min      6274", line);

        var e = Assert.Throws<ProcFormatException>(() => Zoneinfo.Parse(text, Path));

        Assert.StartsWith($"{Path}:148: expected 'min <pages>'", e.Message);
        Assert.EndsWith("got " + got, e.Message);
    }

    [Fact]
    public void Managed_above_present_and_spanned_is_rejected()
    {
        var text = ThisMachine.Replace("managed  772808", "managed  2000000");

        var e = Assert.Throws<ProcFormatException>(() => Zoneinfo.Parse(text, Path));

        Assert.Equal($"{Path}:108: expected managed ≤ present (782336) and spanned (1044480) in zone DMA32 of node 0, got '2000000'", e.Message);
    }

    [Fact]
    public void A_zone_without_a_required_line_is_rejected_at_its_header()
    {
        var text = ThisMachine.Replace("        managed  458752\n", "");

        var e = Assert.Throws<ProcFormatException>(() => Zoneinfo.Parse(text, Path));

        Assert.Equal(145, e.Line);
        Assert.Contains("expected a 'managed <pages>' line in zone Normal of node 0", e.Message);
    }

    [Fact]
    public void A_field_given_twice_in_one_zone_is_rejected()
    {
        var text = ThisMachine.Replace("        low      7842\n", "        low      7842\n        low      7843\n");

        var e = Assert.Throws<ProcFormatException>(() => Zoneinfo.Parse(text, Path));

        Assert.Equal(150, e.Line);
        Assert.Contains("got a second (first at line 149)", e.Message);
    }

    [Fact]
    public void A_pageset_field_outside_a_cpu_is_rejected()
    {
        var text = ThisMachine.Replace("  pagesets\n    cpu: 0\n              count:    20794", "  pagesets\n              count:    20794");

        var e = Assert.Throws<ProcFormatException>(() => Zoneinfo.Parse(text, Path));

        Assert.Contains("expected 'cpu: <id>' under 'pagesets' before 'count:'", e.Message);
    }

    [Fact]
    public void A_malformed_protection_line_is_rejected()
    {
        var text = ThisMachine.Replace("protection: (0, 3018, 4810, 4810, 4810)", "protection: (0, 3018, 4810");

        var e = Assert.Throws<ProcFormatException>(() => Zoneinfo.Parse(text, Path));

        Assert.Equal($"{Path}:64: expected 'protection: (<pages>, <pages>, ...)', got '(0, 3018, 4810'", e.Message);
    }

    [Fact]
    public void Text_before_the_first_zone_header_is_rejected()
    {
        var e = Assert.Throws<ProcFormatException>(() => Zoneinfo.Parse("garbage\n" + ThisMachine, Path));

        Assert.Equal($"{Path}:1: expected 'Node <id>, zone <name>' before any zone field, got 'garbage'", e.Message);
    }

    [Fact]
    public void An_empty_file_is_rejected()
    {
        var e = Assert.Throws<ProcFormatException>(() => Zoneinfo.Parse("", Path));

        Assert.Equal($"{Path}: expected at least one 'Node <id>, zone <name>' section, got none", e.Message);
    }

    [Fact]
    public void A_zone_listed_twice_is_rejected()
    {
        var dma = string.Join('\n', ThisMachine.Split('\n').Take(98));

        var e = Assert.Throws<ProcFormatException>(() => Zoneinfo.Parse(ThisMachine + dma, Path));

        Assert.Contains("got node 0 zone DMA again (first at line 1)", e.Message);
    }
}
