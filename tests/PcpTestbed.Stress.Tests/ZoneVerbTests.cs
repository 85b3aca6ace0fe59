using PcpTestbed.Stress.Tests.Support;

namespace PcpTestbed.Stress.Tests;

/// <summary>`zone` reports what building the zone cost, so the README's metadata figure can be re-measured by anyone.</summary>
public class ZoneVerbTests
{
    [Fact]
    public void Zone_json_reports_the_build_time_and_the_metadata_bytes_per_page_of_what_it_built()
    {
        var (_, json) = Shell.RunJson(0, "zone", "--zone-size", "256M");
        var build = json.GetProperty("build");

        // 256M is 65,536 pages. Every byte the build allocated counts: a 16-byte page record per page, a 16-byte
        // pageblock record per 512 pages, and a little more (free-area heads, per-CPU lists); never less than the page records.
        Assert.Equal(65536, json.GetProperty("managedPages").GetInt64());
        var bytesPerPage = build.GetProperty("bytesPerPage").GetDouble();
        Assert.InRange(bytesPerPage, 16.03, 17.0);
        Assert.Equal(build.GetProperty("allocatedBytes").GetInt64() / 65536.0, bytesPerPage, 6);
        Assert.True(build.GetProperty("seconds").GetDouble() > 0);
    }
}
