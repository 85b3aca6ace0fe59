namespace PcpTestbed.Designs.Pageblock;

// A snapshot holds the pageblock design's state in the zone (owners, owned_blocks lists) and the PCPs (lists, remote-free
// heads); the refill buffers are empty between operations, so it need not hold them.
public sealed partial class PageblockAllocator<TExec>
{
    protected override void AssertSnapshotQuiescent()
    {
        base.AssertSnapshotQuiescent();
        for (var cpu = 0; cpu < _refill.Length; cpu++)
        {
            if (_refill[cpu].Count != 0)
            {
                throw new InvalidOperationException($"a snapshot is taken or restored at a quiescent point only: CPU {cpu}'s refill buffer holds {_refill[cpu].Count} chunks");
            }
        }
    }
}
