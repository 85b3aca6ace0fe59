using PcpTestbed.Model;
using PcpTestbed.Model.Audit;
using PcpTestbed.Model.Layout;

namespace PcpTestbed.Model.Tests;

public class ZoneSmokeTests
{
    [Fact]
    public void A_fresh_zone_is_all_free_in_max_order_chunks_and_audits_clean()
    {
        var zone = ZoneBuilder.Build(ZoneSpec.Parse("64M"));

        var report = ZoneAuditor.Audit(zone);

        Assert.True(report.IsClean, report.ToString());
        Assert.Equal(zone.PresentPages, zone.NrFreePages);
        Assert.Equal(zone.PresentPages / PageAlloc.MaxOrderNrPages, zone.NrFree(PageAlloc.MaxPageOrder));
    }
}
