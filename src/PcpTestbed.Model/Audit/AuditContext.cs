namespace PcpTestbed.Model.Audit;

/// <summary>The state of one audit in progress: violations so far and which PCP chunks were claimed.</summary>
public sealed class AuditContext
{
    private readonly List<Violation> _violations = [];
    private readonly int[] _pcpClaimedBy; // CPU + 1 that claimed a Pcp/PcpBuddy head, 0 if none

    internal AuditContext(Zone zone)
    {
        Zone = zone;
        _pcpClaimedBy = new int[zone.PresentPages];
    }

    public Zone Zone { get; }

    public long ViolationCount { get; private set; }

    internal IReadOnlyList<Violation> Violations => _violations;

    /// <summary>Records a violation at a zone-relative pfn (-1: none).</summary>
    public void Report(AuditRule rule, int pfn, string message)
    {
        ViolationCount++;
        if (_violations.Count < AuditReport.MaxKeptViolations)
        {
            _violations.Add(new Violation(rule, pfn >= 0 ? Zone.AbsolutePfn(pfn) : -1, message));
        }
    }

    /// <summary>
    /// A design declares that <paramref name="cpu"/>'s PCP holds the chunk headed at <paramref name="pfn"/>.
    /// Reports a chunk that is not a PCP head, that claims another CPU, or that two lists hold.
    /// Returns false if the chunk must not be trusted further (for example to follow its list).
    /// </summary>
    public bool ClaimPcpChunk(int pfn, int cpu, string where)
    {
        if ((uint)pfn >= (uint)Zone.PresentPages)
        {
            Report(AuditRule.SingleState, -1, $"{where}: link to pfn index {pfn} outside the zone");
            return false;
        }

        ref var page = ref Zone.Pages[pfn];
        if (page.State is not (PageState.Pcp or PageState.PcpBuddy))
        {
            Report(AuditRule.SingleState, pfn, $"{where}: listed on CPU {cpu}'s PCP but its state is {page.State}");
            return false;
        }

        if (_pcpClaimedBy[pfn] != 0)
        {
            Report(AuditRule.SingleState, pfn, $"{where}: on two PCP lists (CPU {_pcpClaimedBy[pfn] - 1} and CPU {cpu})");
            return false;
        }

        _pcpClaimedBy[pfn] = cpu + 1;
        if (page.Cpu != cpu)
        {
            Report(AuditRule.SingleState, pfn, $"{where}: on CPU {cpu}'s PCP but the page says CPU {page.Cpu}");
        }

        return true;
    }

    internal bool IsPcpClaimed(int pfn) => _pcpClaimedBy[pfn] != 0;
}
