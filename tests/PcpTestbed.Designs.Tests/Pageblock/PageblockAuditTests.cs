using PcpTestbed.Designs.Tests.Support;
using PcpTestbed.Model;

namespace PcpTestbed.Designs.Tests.Pageblock;

/// <summary>The audit of a corrupted PCP: it reports, and ends.</summary>
public class PageblockAuditTests
{
    [Theory]
    [MemberData(nameof(Rig.PageblockDesigns), MemberType = typeof(Rig))]
    public async Task An_audit_of_a_pcp_list_that_cycles_reports_it_and_ends(DesignKind design)
    {
        // A run's audit once held the stopped world forever on such a list (an injected bug's corrupted list): every walk
        // of a list the audit makes must stop at a cycle, the design's own rules included.
        var rig = new Rig(design, "64M", cpus: 2);
        var pages = rig.AllocMany(0, 8);
        for (var i = 0; i < pages.Count; i += 2)
        {
            rig.A.Free(0, pages[i], 0);
        }

        var index = Enumerable.Range(0, PcpListHeads.Capacity).First(i => rig.PcpList(0, i).Count > 0);
        var list = rig.PcpList(0, index);
        PageList.SetStackNext(rig.Zone.Pages, list[^1], list[0] + 1);

        var audit = Task.Run(() => rig.A.Audit());
        Assert.True(await Task.WhenAny(audit, Task.Delay(TimeSpan.FromSeconds(30))) == audit, "the audit of a list that cycles did not end");
        // The walk meets its first chunk again: the page is claimed twice, as for a chunk on two lists.
        Assert.Contains((await audit).Violations, v => v.ToString().Contains($"CPU 0 pcp list") && v.PfnOrNull == rig.Zone.AbsolutePfn(list[0]));
    }
}
