namespace PcpTestbed.Model;

/// <summary>
/// What the head page of a chunk says about the chunk. Every page of a zone belongs to exactly one
/// chunk: an aligned run of 2^order pages whose first page (the head) carries the state and order;
/// the other pages are <see cref="Tail"/>.
/// </summary>
public enum PageState : byte
{
    /// <summary>Not a head: part of the chunk whose head precedes it. The zero value, so a fresh page array is all tails.</summary>
    Tail = 0,

    /// <summary>Free, on a zone free list (PageBuddy). <see cref="Page.Tag"/> is the free list's migratetype.</summary>
    Buddy = 1,

    /// <summary>Handed out to a caller. <see cref="Page.Tag"/> is the migratetype the caller asked for.</summary>
    Allocated = 2,

    /// <summary>Cached on a per-CPU list. <see cref="Page.Tag"/> is the list index (pindex).</summary>
    Pcp = 3,

    /// <summary>Pageblock design: an owned free chunk in its owner's PCP, eligible for PCP-level merging (PagePCPBuddy).</summary>
    PcpBuddy = 4,

    /// <summary>Off every list and not handed out: an operation holds it between two lists. Never seen at a quiescent point.</summary>
    InFlight = 5,

    /// <summary>Present but not managed (PG_reserved): never free, never allocatable. Only imported zones have them.</summary>
    Reserved = 6,
}
