using System.Runtime.CompilerServices;

namespace PcpTestbed.Model.Tests;

/// <summary>The metadata layout STYLE.md rule 4 asks for: small structs in pfn-indexed arrays.</summary>
public class PageMetadataTests
{
    [Fact]
    public void A_page_is_16_bytes()
    {
        Assert.Equal(16, Unsafe.SizeOf<Page>());
    }

    [Fact]
    public void A_pageblock_is_16_bytes_so_metadata_costs_16_and_1_32nd_bytes_per_page()
    {
        Assert.Equal(16, Unsafe.SizeOf<Pageblock>());
        Assert.Equal(16.03125, Unsafe.SizeOf<Page>() + (double)Unsafe.SizeOf<Pageblock>() / PageAlloc.PageblockNrPages);
    }
}
