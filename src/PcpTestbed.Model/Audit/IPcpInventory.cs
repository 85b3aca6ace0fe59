namespace PcpTestbed.Model.Audit;

/// <summary>
/// A PCP design's side of an audit: it walks its per-CPU lists, claims every chunk it holds through
/// <see cref="AuditContext.ClaimPcpChunk"/> and reports its own invariants (pcp.count, ownership).
/// Called only at quiescent points, when no CPU is inside the allocator.
/// </summary>
public interface IPcpInventory
{
    void Audit(AuditContext context);
}
