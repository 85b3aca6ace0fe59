using PcpTestbed.Model.Proc;

namespace PcpTestbed.Model.Tests.Proc;

public class ProcFormulaCheckTests
{
    private static readonly string[] FormulaRows = ["min", "low", "high", "promo", "batch", "high_min", "high_max"];

    public static TheoryData<string, string> FixtureZones => new()
    {
        { ProcFixtures.ThisMachine, "DMA" },
        { ProcFixtures.ThisMachine, "DMA32" },
        { ProcFixtures.ThisMachine, "Normal" },
        { ProcFixtures.CmaKernel, "DMA" },
        { ProcFixtures.CmaKernel, "DMA32" },
        { ProcFixtures.CmaKernel, "Normal" },
        { ProcFixtures.Normal64G, "DMA" },
        { ProcFixtures.Normal64G, "DMA32" },
        { ProcFixtures.Normal64G, "Normal" },
    };

    [Theory]
    [MemberData(nameof(FixtureZones))]
    public void Every_formula_determined_value_agrees_with_the_fixture(string fixture, string zoneName)
    {
        var comparison = ProcFormulaCheck.Compare(ProcFixtures.Load(fixture), zoneName);

        foreach (var name in FormulaRows)
        {
            var row = comparison.Row(name);
            Assert.True(row.Outcome == ProcComparisonOutcome.Agrees, $"{name}: formula {row.Formula}, /proc {row.Proc} ({row.Outcome}) {row.Note}");
        }

        Assert.True(comparison.AllAgree);
    }

    [Fact]
    public void This_machines_normal_zone_matches_the_kernel_formulas_value_by_value()
    {
        var comparison = ProcFormulaCheck.Compare(ProcFixtures.Load(ProcFixtures.ThisMachine));

        Assert.Equal(3840 + 772808 + 458752, comparison.LowmemPages);
        Assert.Equal(67584, comparison.MinFreeKbytes);
        Assert.Equal(2, comparison.Cpus);
        Assert.Equal(
            [("min", 6274L), ("low", 7842), ("high", 9410), ("promo", 10978), ("batch", 63), ("high_min", 3921), ("high_max", 28672)],
            FormulaRows.Select(n => (n, comparison.Row(n).Proc!.Value)));
        Assert.All(FormulaRows, n => Assert.Equal(comparison.Row(n).Proc, comparison.Row(n).Formula));
    }

    [Fact]
    public void The_formulas_follow_this_machine_earlier_in_boot_when_normal_managed_131072_pages()
    {
        // The same machine before deferred init had handed Normal more memory (values seen then).
        var zoneinfo = ProcFixtures.Text(ProcFixtures.ThisMachine, "zoneinfo")
            .Replace("        min      6274\n        low      7842\n        high     9410\n        promo    10978",
                     "        min      2439\n        low      3048\n        high     3657\n        promo    4266")
            .Replace("managed  458752", "managed  131072")
            .Replace("high_min: 3921", "high_min: 1524")
            .Replace("high_max: 28672", "high_max: 8192")
            .Replace("batch:    63\n              high_min: 1524", "batch:    31\n              high_min: 1524");
        var snapshot = ProcFixtures.FromText(zoneinfo, ProcFixtures.Text(ProcFixtures.ThisMachine, "pagetypeinfo")) with
        {
            Sysctls = ProcFixtures.Load(ProcFixtures.ThisMachine).Sysctls,
        };

        var comparison = ProcFormulaCheck.Compare(snapshot);

        Assert.Equal(
            [("min", 2439L), ("low", 3048), ("high", 3657), ("promo", 4266), ("batch", 31), ("high_min", 1524), ("high_max", 8192)],
            FormulaRows.Select(n => (n, comparison.Row(n).Formula!.Value)));
        Assert.True(comparison.AllAgree);
    }

    [Fact]
    public void The_highatomic_cap_is_derived_but_proc_cannot_show_it()
    {
        var row = ProcFormulaCheck.Compare(ProcFixtures.Load(ProcFixtures.ThisMachine)).Row(ProcFormulaCheck.HighatomicCap);

        Assert.Equal(ProcComparisonOutcome.NotShownByProc, row.Outcome);
        Assert.Equal(Zone.ComputeHighatomicMaxPages(458752), row.Formula);
        Assert.Null(row.Proc);
    }

    [Fact]
    public void A_min_free_kbytes_file_wins_over_calculate_min_free_kbytes_and_the_thp_raise_is_explained()
    {
        var comparison = ProcFormulaCheck.Compare(ProcFixtures.Load(ProcFixtures.ThisMachine));

        Assert.Equal(ZoneFormulas.CalculateMinFreeKbytes(comparison.LowmemPages), comparison.CalculatedMinFreeKbytes);
        Assert.True(comparison.MinFreeKbytes > comparison.CalculatedMinFreeKbytes);
        Assert.EndsWith("min_free_kbytes", comparison.MinFreeKbytesOrigin);
        Assert.Contains(comparison.Notes, n => n.Contains("set_recommended_min_free_kbytes()") && n.Contains("3 populated zones"));
    }

    [Fact]
    public void Without_a_min_free_kbytes_file_calculate_min_free_kbytes_is_used()
    {
        var comparison = ProcFormulaCheck.Compare(ProcFixtures.Load(ProcFixtures.Normal64G));

        Assert.Equal(comparison.CalculatedMinFreeKbytes, comparison.MinFreeKbytes);
        Assert.Equal("calculate_min_free_kbytes()", comparison.MinFreeKbytesOrigin);
    }

    [Fact]
    public void A_value_off_by_one_page_differs()
    {
        var zoneinfo = ProcFixtures.Text(ProcFixtures.ThisMachine, "zoneinfo").Replace("low      7842", "low      7843");
        var snapshot = ProcFixtures.Load(ProcFixtures.ThisMachine) with
        {
            Zoneinfo = Zoneinfo.Parse(zoneinfo, "/fixture/zoneinfo"),
        };

        var comparison = ProcFormulaCheck.Compare(snapshot);

        Assert.Equal(ProcComparisonOutcome.Differs, comparison.Row("low").Outcome);
        Assert.Equal(7843, comparison.Row("low").Proc);
        Assert.False(comparison.AllAgree);
    }

    [Fact]
    public void Cpus_whose_pagesets_disagree_are_named()
    {
        var zoneinfo = ProcFixtures.Text(ProcFixtures.ThisMachine, "zoneinfo");
        var lastBatch = zoneinfo.LastIndexOf("batch:    63", StringComparison.Ordinal);
        zoneinfo = zoneinfo[..lastBatch] + "batch:    31" + zoneinfo[(lastBatch + "batch:    63".Length)..];
        var snapshot = ProcFixtures.Load(ProcFixtures.ThisMachine) with { Zoneinfo = Zoneinfo.Parse(zoneinfo, "/fixture/zoneinfo") };

        var row = ProcFormulaCheck.Compare(snapshot).Row("batch");

        Assert.Equal(ProcComparisonOutcome.Differs, row.Outcome);
        Assert.Equal("CPUs disagree: cpu 0 = 63, cpu 1 = 31", row.Note);
    }

    [Fact]
    public void A_percpu_pagelist_high_fraction_sets_both_high_bounds_to_managed_over_it()
    {
        var zoneinfo = ProcFixtures.Text(ProcFixtures.ThisMachine, "zoneinfo").Replace("high_min: 3921", "high_min: 28672");
        var snapshot = ProcFixtures.Load(ProcFixtures.ThisMachine) with { Zoneinfo = Zoneinfo.Parse(zoneinfo, "/fixture/zoneinfo") };
        snapshot = snapshot with
        {
            Sysctls = snapshot.Sysctls.With(SysctlValue.Parse(SysctlValue.PercpuPagelistHighFraction, "8\n", "/fixture/percpu_pagelist_high_fraction")),
        };

        var comparison = ProcFormulaCheck.Compare(snapshot);

        Assert.Equal(ProcComparisonOutcome.Agrees, comparison.Row("high_min").Outcome);
        Assert.Equal(458752 / 8 / 2, comparison.Row("high_min").Formula);
    }

    [Fact]
    public void An_empty_zone_has_nothing_to_compare()
    {
        var e = Assert.Throws<ProcFormatException>(() => ProcFormulaCheck.Compare(ProcFixtures.Load(ProcFixtures.ThisMachine), "Movable"));

        Assert.Equal(200, e.Line);
        Assert.Contains("an empty zone has no watermarks", e.Message);
    }
}
