using PcpTestbed.Model.Layout;

namespace PcpTestbed.Model.Tests;

/// <summary>ZoneSpec.Parse: the accepted text forms and the errors that name what is wrong.</summary>
public class ZoneSpecParseTests
{
    [Theory]
    [InlineData("2M", 512)]
    [InlineData("512m", 131072)]
    [InlineData("16G", 4194304)]
    [InlineData(" 64G ", 16777216)]
    [InlineData("1.5G", 393216)]
    public void A_size_alone_gives_an_all_movable_zone(string text, int pages)
    {
        var spec = ZoneSpec.Parse(text);

        Assert.Equal(pages, spec.PresentPages);
        Assert.Empty(spec.Blocks);
        Assert.All(spec.ResolveBlockTypes(), t => Assert.Equal(MigrateType.Movable, t));
    }

    [Theory]
    [InlineData("16G,cma=25%@end", MigrateType.Cma, 2048, BlockPlacement.End)]
    [InlineData("16G,unmovable=64@start", MigrateType.Unmovable, 64, BlockPlacement.Start)]
    [InlineData("16G,reclaimable=512M", MigrateType.Reclaimable, 256, BlockPlacement.Spread)]
    [InlineData("16G,cma=10", MigrateType.Cma, 10, BlockPlacement.End)]               // CMA defaults to the end
    [InlineData("1G,HighAtomic=2@SPREAD", MigrateType.HighAtomic, 2, BlockPlacement.Spread)]
    [InlineData("16G,isolate=1", MigrateType.Isolate, 1, BlockPlacement.Spread)]
    [InlineData("8M,CMA=50%@start", MigrateType.Cma, 2, BlockPlacement.Start)]
    [InlineData("6M,unmovable=50%", MigrateType.Unmovable, 2, BlockPlacement.Spread)] // 1.5 blocks rounds away from zero
    public void A_rule_gives_its_type_a_block_count_and_a_placement(string text, MigrateType type, int blocks, BlockPlacement placement)
    {
        var spec = ZoneSpec.Parse(text);

        var rule = Assert.Single(spec.Blocks);
        Assert.Equal(new BlockRule(type, blocks, placement), rule);
        Assert.Equal(blocks, spec.ResolveBlockTypes().Count(t => t == type));
    }

    [Fact]
    public void Rules_combine_and_each_takes_blocks_no_earlier_rule_took()
    {
        var spec = ZoneSpec.Parse("16M,cma=2@end,unmovable=2@start,reclaimable=2@end");

        Assert.Equal(
            [MigrateType.Unmovable, MigrateType.Unmovable, MigrateType.Movable, MigrateType.Movable,
             MigrateType.Reclaimable, MigrateType.Reclaimable, MigrateType.Cma, MigrateType.Cma],
            spec.ResolveBlockTypes());
    }

    [Fact]
    public void Describe_round_trips_through_parse()
    {
        var spec = ZoneSpec.Parse("16G,cma=25%@end,unmovable=64@start");

        var again = ZoneSpec.Parse(spec.Describe());

        Assert.Equal(spec.PresentPages, again.PresentPages);
        Assert.Equal(spec.Blocks, again.Blocks);
    }

    [Theory]
    [InlineData("", "expected a size first")]
    [InlineData(",cma=1", "expected a size first")]
    [InlineData("16", "zone size '16'")]
    [InlineData("16GB", "zone size '16GB'")]
    [InlineData("16GiB", "zone size '16GiB'")]
    [InlineData("0G", "zone size '0G'")]
    [InlineData("-2G", "zone size '-2G'")]
    [InlineData("xG", "zone size 'xG'")]
    [InlineData("3M", "zone size of 3145728 bytes")]
    [InlineData("1024K", "zone size of 1048576 bytes")]
    [InlineData("128G", "zone size of 137438953472 bytes")]
    [InlineData("16G,movable=4", "part 'movable=4'")]
    [InlineData("16G,dma=4", "part 'dma=4'")]
    [InlineData("16G,cma", "part 'cma'")]
    [InlineData("16G,=4", "part '=4'")]
    [InlineData("16G,cma=25%@middle", "part 'cma=25%@middle'")]
    [InlineData("16G,cma=101%", "part 'cma=101%'")]
    [InlineData("16G,cma=-1", "part 'cma=-1'")]
    [InlineData("16G,cma=abc", "part 'cma=abc'")]
    [InlineData("16G,cma=3M", "part 'cma=3M'")]
    [InlineData("16G,cma=", "part 'cma='")]
    [InlineData("2M,cma=2", "cma=2@end does not fit")]
    [InlineData("4M,cma=1,unmovable=2", "unmovable=2@spread does not fit")]
    public void A_malformed_spec_is_rejected_with_a_message_naming_the_part(string text, string named)
    {
        var ex = Assert.Throws<FormatException>(() => ZoneSpec.Parse(text));

        Assert.Contains(named, ex.Message);
    }
}
