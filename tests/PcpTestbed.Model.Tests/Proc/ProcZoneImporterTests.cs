using System.Collections.Concurrent;
using PcpTestbed.Model.Audit;
using PcpTestbed.Model.Proc;

namespace PcpTestbed.Model.Tests.Proc;

public class ProcZoneImporterTests
{
    // Building the 64 GiB zone takes a while; each (fixture, zone) is built once for all the rules.
    private static readonly ConcurrentDictionary<(string, string), (ProcZoneImport Import, Zone Zone)> Built = new();

    public static TheoryData<string, string> FixtureZones => new()
    {
        { ProcFixtures.ThisMachine, "DMA" },
        { ProcFixtures.ThisMachine, "DMA32" },
        { ProcFixtures.ThisMachine, "Normal" },
        { ProcFixtures.CmaKernel, "DMA" },
        { ProcFixtures.CmaKernel, "DMA32" },
        { ProcFixtures.CmaKernel, "Normal" },
        { ProcFixtures.Normal64G, "Normal" },
    };

    [Theory]
    [MemberData(nameof(FixtureZones))]
    public void An_imported_zone_builds_and_audits_clean(string fixture, string zoneName)
    {
        var (_, zone) = Build(fixture, zoneName);

        var report = ZoneAuditor.Audit(zone);

        Assert.True(report.IsClean, report.ToString());
    }

    [Theory]
    [MemberData(nameof(FixtureZones))]
    public void The_built_zones_free_lists_hold_exactly_the_pagetypeinfo_table(string fixture, string zoneName)
    {
        var (import, zone) = Build(fixture, zoneName);

        foreach (var mt in MigrateTypes.All())
        {
            for (var order = 0; order < PageAlloc.NrPageOrders; order++)
            {
                var listed = PageList.Count(zone.Pages, zone.FreeList(order, mt));
                Assert.True(import.Pagetypeinfo.FreeChunks[(int)mt, order] == listed,
                    $"{MigrateTypes.KernelName(mt)} order {order}: table {import.Pagetypeinfo.FreeChunks[(int)mt, order]}, free list {listed}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(FixtureZones))]
    public void The_built_zone_has_the_pageblocks_of_each_type_pagetypeinfo_counts(string fixture, string zoneName)
    {
        var (import, zone) = Build(fixture, zoneName);

        var blocks = new long[MigrateTypes.Count];
        for (var b = 0; b < zone.NrPageblocks; b++)
        {
            blocks[(int)zone.GetPageblockMigratetype(b << PageAlloc.PageblockOrder)]++;
        }

        Assert.Equal(import.Pagetypeinfo.BlockCounts, blocks);
    }

    [Theory]
    [InlineData(ProcFixtures.ThisMachine, "DMA", 4096, 3840)]
    [InlineData(ProcFixtures.ThisMachine, "DMA32", 782336, 772808)]
    [InlineData(ProcFixtures.ThisMachine, "Normal", 458752, 458752)]
    [InlineData(ProcFixtures.CmaKernel, "Normal", 524288, 520192)]
    [InlineData(ProcFixtures.Normal64G, "Normal", 16777216, 16515072)]
    public void Present_pages_are_the_counted_pageblocks_and_the_rest_of_managed_is_reserved(string fixture, string zoneName, long present, long managed)
    {
        var (import, zone) = Build(fixture, zoneName);

        Assert.Equal(present, import.PresentPages);
        Assert.Equal(managed, import.ManagedPages);
        Assert.Equal(present - managed, import.ReservedPages);
        Assert.Equal(present - managed, zone.ReservedPages);
        Assert.Equal(present - managed, ZoneAuditor.Audit(zone).Census.ReservedPages);
    }

    [Fact]
    public void A_zone_spanning_uninitialised_memory_is_imported_as_its_initialised_pageblocks()
    {
        var import = ProcZoneImporter.Import(ProcFixtures.Load(ProcFixtures.ThisMachine));

        Assert.Equal(5505024, import.Zoneinfo.Present);
        Assert.Equal(896 * 512, import.PresentPages);
        Assert.Contains(import.Notes, n => n.Contains("deferred struct page init"));
    }

    [Fact]
    public void The_image_takes_managed_pages_and_unboosted_watermarks_from_zoneinfo()
    {
        var import = ProcZoneImporter.Import(ProcFixtures.Load(ProcFixtures.ThisMachine));

        Assert.Equal(458752, import.Image.ManagedPages);
        Assert.Equal(new Watermarks(6274, 7842, 9410, 10978), import.Image.Watermarks);
        Assert.Equal(1048576, import.Image.StartPfn);
    }

    [Fact]
    public void Both_free_page_counts_are_reported_and_the_image_follows_the_table()
    {
        var import = ProcZoneImporter.Import(ProcFixtures.Load(ProcFixtures.ThisMachine));

        Assert.Equal(347312, import.ZoneinfoFreePages);
        Assert.Equal(import.Pagetypeinfo.FreePages(), import.PagetypeinfoFreePages);
        Assert.Equal(import.PagetypeinfoFreePages, import.Image.TotalFreePages());
    }

    [Fact]
    public void An_unaligned_zone_start_is_rounded_down_to_a_max_order_boundary()
    {
        var import = ProcZoneImporter.Import(ProcFixtures.Load(ProcFixtures.ThisMachine), "DMA");

        Assert.Equal(0, import.Image.StartPfn);
    }

    [Fact]
    public void An_unknown_zone_name_lists_the_zones_present()
    {
        var snapshot = ProcFixtures.Load(ProcFixtures.ThisMachine);

        var e = Assert.Throws<ProcFormatException>(() => ProcZoneImporter.Import(snapshot, "HighMem"));

        Assert.Equal(
            $"{snapshot.Zoneinfo.Path}: expected a zone 'HighMem' on node 0, got none; the zones present are node 0: DMA, DMA32, Normal, Movable, Device",
            e.Message);
    }

    [Fact]
    public void A_node_that_is_not_there_lists_the_zones_present()
    {
        var e = Assert.Throws<ProcFormatException>(() => ProcZoneImporter.Import(ProcFixtures.Load(ProcFixtures.ThisMachine), "Normal", node: 1));

        Assert.Contains("expected a zone 'Normal' on node 1, got none; the zones present are node 0:", e.Message);
    }

    [Fact]
    public void An_empty_zone_has_no_pagetypeinfo_rows_to_import()
    {
        var snapshot = ProcFixtures.Load(ProcFixtures.ThisMachine);

        var e = Assert.Throws<ProcFormatException>(() => ProcZoneImporter.Import(snapshot, "Movable"));

        Assert.Equal(snapshot.Pagetypeinfo.Path, e.Path);
        Assert.Contains("expected free-page rows for node 0 zone Movable, got none", e.Message);
        Assert.Contains("zoneinfo shows Movable with managed 0", e.Message);
    }

    [Fact]
    public void More_pageblocks_than_64_GiB_are_rejected_at_the_block_row()
    {
        var snapshot = ProcSource.FromDirectory(ProcFixtures.Malformed("too-many-blocks")).Read();

        var e = Assert.Throws<ProcFormatException>(() => ProcZoneImporter.Import(snapshot));

        Assert.Equal(
            $"{snapshot.Pagetypeinfo.Path}:24: expected at most 32768 pageblocks (64 GiB, the largest zone the testbed models) for zone Normal, got 40069",
            e.Message);
    }

    [Fact]
    public void Managed_pages_beyond_the_counted_pageblocks_are_rejected_at_the_managed_line()
    {
        var zoneinfo = ProcFixtures.Text(ProcFixtures.ThisMachine, "zoneinfo").Replace("managed  458752", "managed  458753");
        var snapshot = ProcFixtures.FromText(zoneinfo, ProcFixtures.Text(ProcFixtures.ThisMachine, "pagetypeinfo"));

        var e = Assert.Throws<ProcFormatException>(() => ProcZoneImporter.Import(snapshot));

        Assert.Equal(
            "/fixture/zoneinfo:154: expected managed ≤ 458752, the pages of the 896 pageblocks /fixture/pagetypeinfo:24 counts for zone Normal, got 458753",
            e.Message);
    }

    [Fact]
    public void Free_counts_no_buddy_allocator_could_leave_are_rejected_at_the_zones_first_row()
    {
        // 50 free MAX_PAGE_ORDER Unmovable chunks need 100 Unmovable pageblocks; Normal has 40.
        var pagetypeinfo = ProcFixtures.Text(ProcFixtures.ThisMachine, "pagetypeinfo")
            .Replace("Unmovable    275    278    126     77     94     43     19      3      1      0      0",
                     "Unmovable    275    278    126     77     94     43     19      3      1      0     50");
        var import = ProcZoneImporter.Import(ProcFixtures.FromText(ProcFixtures.Text(ProcFixtures.ThisMachine, "zoneinfo"), pagetypeinfo));

        var e = Assert.Throws<ProcFormatException>(import.BuildZone);

        Assert.Equal(15, e.Line);
        Assert.StartsWith("/fixture/pagetypeinfo:15: expected free-page and pageblock counts a buddy allocator could hold", e.Message);
        Assert.Contains("Unmovable has 100 pageblocks' worth of free order-9/10 chunks but only 40 blocks", e.Message);
    }

    [Fact]
    public void A_table_missing_the_row_of_a_type_its_block_header_names_is_rejected()
    {
        var pagetypeinfo = string.Join('\n', ProcFixtures.Text(ProcFixtures.ThisMachine, "pagetypeinfo").Split('\n').Where(l => !l.Contains("Normal, type      Movable")));
        var snapshot = ProcFixtures.FromText(ProcFixtures.Text(ProcFixtures.ThisMachine, "zoneinfo"), pagetypeinfo);

        var e = Assert.Throws<ProcFormatException>(() => ProcZoneImporter.Import(snapshot));

        Assert.Equal(
            "/fixture/pagetypeinfo:15: expected a free-page row for each migratetype /fixture/pagetypeinfo:23 names, got none for 'type Movable' in node 0 zone Normal",
            e.Message);
    }

    [Fact]
    public void A_capped_count_is_imported_as_its_lower_bound_with_a_note()
    {
        var pagetypeinfo = ProcFixtures.Text(ProcFixtures.CmaKernel, "pagetypeinfo").Replace("Movable   2100", "Movable >100000");
        var snapshot = ProcFixtures.FromText(ProcFixtures.Text(ProcFixtures.CmaKernel, "zoneinfo"), pagetypeinfo);

        var import = ProcZoneImporter.Import(snapshot);

        Assert.Equal(100000, import.Image.FreeChunks[(int)MigrateType.Movable, 0]);
        Assert.Contains(import.Notes, n => n.Contains(">100000"));
    }

    private static (ProcZoneImport Import, Zone Zone) Build(string fixture, string zoneName) =>
        Built.GetOrAdd((fixture, zoneName), key =>
        {
            var import = ProcZoneImporter.Import(ProcFixtures.Load(key.Item1), key.Item2);
            return (import, import.BuildZone());
        });
}
