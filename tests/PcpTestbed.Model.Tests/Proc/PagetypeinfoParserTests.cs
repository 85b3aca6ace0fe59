using PcpTestbed.Model.Proc;

namespace PcpTestbed.Model.Tests.Proc;

public class PagetypeinfoParserTests
{
    private const string Path = "/x/pagetypeinfo";

    private static readonly string ThisMachine = ProcFixtures.Text(ProcFixtures.ThisMachine, "pagetypeinfo");
    private static readonly string CmaKernel = ProcFixtures.Text(ProcFixtures.CmaKernel, "pagetypeinfo");

    [Fact]
    public void Free_rows_give_chunks_per_type_and_order()
    {
        var normal = Pagetypeinfo.Parse(ThisMachine, Path).Find(0, "Normal")!;

        Assert.Equal([2518L, 1411, 779, 406, 248, 224, 83, 38, 29, 26, 272], Row(normal, MigrateType.Movable));
        Assert.Equal([275L, 278, 126, 77, 94, 43, 19, 3, 1, 0, 0], Row(normal, MigrateType.Unmovable));
        Assert.All(Row(normal, MigrateType.Cma), c => Assert.Equal(0, c));
        Assert.Equal(15, normal.FreeRowLines[(int)MigrateType.Unmovable]);
        Assert.Equal(0, normal.FreeRowLines[(int)MigrateType.Cma]);
    }

    [Fact]
    public void Block_rows_give_pageblocks_per_type()
    {
        var normal = Pagetypeinfo.Parse(ThisMachine, Path).Find(0, "Normal")!;

        Assert.Equal([40L, 827, 29, 0, 0, 0], normal.BlockCounts);
        Assert.Equal(896, normal.NrPageblocks);
        Assert.Equal(24, normal.BlocksLine);
    }

    [Fact]
    public void The_block_table_of_a_cma_kernel_has_a_cma_column()
    {
        var normal = Pagetypeinfo.Parse(CmaKernel, Path).Find(0, "Normal")!;

        Assert.Contains(MigrateType.Cma, normal.BlockColumns);
        Assert.Equal(256, normal.BlockCounts[(int)MigrateType.Cma]);
        Assert.Equal(100, normal.FreeChunks[(int)MigrateType.Cma, 10]);
    }

    [Fact]
    public void Block_columns_are_read_by_the_names_in_the_header_not_by_position()
    {
        // An Android-style kernel prints CMA before HighAtomic.
        var text = CmaKernel
            .Replace("   HighAtomic          CMA ", "          CMA   HighAtomic ")
            .Replace("Node 0, zone   Normal           60          690           16            2          256",
                     "Node 0, zone   Normal           60          690           16          256            2");

        var normal = Pagetypeinfo.Parse(text, Path).Find(0, "Normal")!;

        Assert.Equal(256, normal.BlockCounts[(int)MigrateType.Cma]);
        Assert.Equal(2, normal.BlockCounts[(int)MigrateType.HighAtomic]);
    }

    [Fact]
    public void A_count_printed_as_capped_reads_as_its_lower_bound_and_is_flagged()
    {
        var text = ThisMachine.Replace("Movable   2518   1411", "Movable >100000   1411");

        var normal = Pagetypeinfo.Parse(text, Path).Find(0, "Normal")!;

        Assert.Equal(100000, normal.FreeChunks[(int)MigrateType.Movable, 0]);
        Assert.True(normal.FreeCapped[(int)MigrateType.Movable, 0]);
        Assert.True(normal.AnyCapped);
    }

    [Fact]
    public void The_mixed_block_table_of_page_owner_kernels_is_skipped()
    {
        var text = ThisMachine + "\nNumber of mixed blocks     Unmovable      Movable  Reclaimable   HighAtomic      Isolate \n" +
                   "Node 0, zone   Normal            7            9            0            0            0 \n";

        var normal = Pagetypeinfo.Parse(text, Path).Find(0, "Normal")!;

        Assert.Equal(827, normal.BlockCounts[(int)MigrateType.Movable]);
    }

    [Fact]
    public void Each_node_repeats_the_preamble_and_tables()
    {
        var node1 = ThisMachine.Replace("Node    0,", "Node    1,").Replace("Node 0,", "Node 1,");

        var info = Pagetypeinfo.Parse(ThisMachine + node1, Path);

        Assert.Equal(6, info.Zones.Count);
        Assert.Equal(827, info.Find(1, "Normal")!.BlockCounts[(int)MigrateType.Movable]);
    }

    [Fact]
    public void Another_pageblock_order_names_the_file_line_and_the_expected_order()
    {
        var e = Assert.Throws<ProcFormatException>(() =>
            ProcSource.FromDirectory(ProcFixtures.Malformed("pageblock-order-13")).Read());

        Assert.Equal(System.IO.Path.Combine(ProcFixtures.Malformed("pageblock-order-13"), "pagetypeinfo"), e.Path);
        Assert.Equal(1, e.Line);
        Assert.Equal(
            $"{e.Path}:1: expected 'Page block order: 9' (2 MiB pageblocks of 4 KiB pages, as on x86-64; the testbed models no other size), got '13'",
            e.Message);
    }

    [Fact]
    public void Another_page_size_shows_as_another_pageblock_size()
    {
        var text = ThisMachine.Replace("Pages per block:  512", "Pages per block:  8192");

        var e = Assert.Throws<ProcFormatException>(() => Pagetypeinfo.Parse(text, Path));

        Assert.Equal($"{Path}:2: expected 'Pages per block: 512' (2 MiB pageblocks of 4 KiB pages), got '8192'", e.Message);
    }

    [Fact]
    public void Another_max_page_order_is_rejected_at_the_table_header()
    {
        var text = ThisMachine.Replace("     9     10 \n", "     9     10     11     12 \n");

        var e = Assert.Throws<ProcFormatException>(() => Pagetypeinfo.Parse(text, Path));

        Assert.Equal(4, e.Line);
        Assert.StartsWith($"{Path}:4: expected orders 0..10 after 'Free pages count per migrate type at order' (MAX_PAGE_ORDER 10)", e.Message);
    }

    [Fact]
    public void A_junk_free_count_names_the_file_line_and_the_expected_counts()
    {
        var dir = ProcFixtures.Malformed("junk-free-count");

        var e = Assert.Throws<ProcFormatException>(() => ProcSource.FromDirectory(dir).Read());

        Assert.Equal($"{System.IO.Path.Combine(dir, "pagetypeinfo")}:16: expected 11 free-page counts for orders 0..10 after 'type Movable', got 'abc'", e.Message);
    }

    [Fact]
    public void A_short_free_row_is_rejected()
    {
        var text = ThisMachine.Replace("    26    272 \n", "\n");

        var e = Assert.Throws<ProcFormatException>(() => Pagetypeinfo.Parse(text, Path));

        Assert.Equal($"{Path}:16: expected 11 free-page counts for orders 0..10 after 'type Movable', got only 9", e.Message);
    }

    [Fact]
    public void A_negative_block_count_is_rejected()
    {
        var text = ThisMachine.Replace("Normal           40", "Normal          -40");

        var e = Assert.Throws<ProcFormatException>(() => Pagetypeinfo.Parse(text, Path));

        Assert.Equal(24, e.Line);
        Assert.Contains("expected a pageblock count for Unmovable", e.Message);
        Assert.EndsWith("got '-40'", e.Message);
    }

    [Theory]
    [InlineData("9223372036854775807")]
    [InlineData("2199023255552")]
    public void A_free_count_beyond_4_PiB_of_pages_is_rejected(string count)
    {
        // Order 1: 2^40 chunks of two pages would be 8 PiB.
        var text = ThisMachine.Replace("Movable   2518   1411", "Movable   2518 " + count);

        var e = Assert.Throws<ProcFormatException>(() => Pagetypeinfo.Parse(text, Path));

        Assert.Equal(16, e.Line);
        Assert.EndsWith($"got '{count}'", e.Message);
    }

    [Fact]
    public void An_unknown_migratetype_is_rejected()
    {
        var text = ThisMachine.Replace("type  Reclaimable", "type      Reserve");

        var e = Assert.Throws<ProcFormatException>(() => Pagetypeinfo.Parse(text, Path));

        Assert.Equal($"{Path}:7: expected a migratetype (Unmovable, Movable, Reclaimable, HighAtomic, CMA, Isolate) after 'type', got 'Reserve'", e.Message);
    }

    [Fact]
    public void A_duplicated_row_is_rejected()
    {
        var lines = ThisMachine.Split('\n').ToList();
        lines.Insert(16, lines[15]);

        var e = Assert.Throws<ProcFormatException>(() => Pagetypeinfo.Parse(string.Join('\n', lines), Path));

        Assert.Equal(17, e.Line);
        Assert.Contains("(first at line 16)", e.Message);
    }

    [Fact]
    public void A_file_without_the_pageblock_order_is_rejected()
    {
        var e = Assert.Throws<ProcFormatException>(() => Pagetypeinfo.Parse("", Path));

        Assert.Equal($"{Path}: expected a 'Page block order: 9' line, got none", e.Message);
    }

    private static long[] Row(PagetypeinfoZone zone, MigrateType mt) =>
        Enumerable.Range(0, PageAlloc.NrPageOrders).Select(o => zone.FreeChunks[(int)mt, o]).ToArray();
}
