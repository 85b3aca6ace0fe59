using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PcpTestbed.Model;

/// <summary>
/// Page metadata: the emulation's struct page, 16 bytes, stored in a pfn-indexed array.
/// Only the head page of a chunk carries a meaningful state and order; tails are <see cref="PageState.Tail"/>.
/// Guarded by whichever lock guards the list the chunk is on: zone->lock for free lists,
/// the PCP's pcp->lock for PCP lists; an allocated chunk belongs to its caller.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 16)]
public struct Page // do not make readonly: pages are updated in place in the array
{
    /// <summary>List link to the next page as pfn index + 1; 0 means none (page->lru.next).</summary>
    internal int NextLink;

    /// <summary>List link to the previous page as pfn index + 1; 0 means none.</summary>
    internal int PrevLink;

    public PageState State;

    /// <summary>buddy_order() / the allocation order of a head page.</summary>
    public byte Order;

    /// <summary>
    /// Buddy: the free list's migratetype. Allocated: the requested migratetype (used to count
    /// movable pages when claiming a block). Pcp and PcpBuddy: the PCP list index.
    /// </summary>
    public byte Tag;

    /// <summary>Design-specific bits.</summary>
    public byte Flags;

    /// <summary>Pcp and PcpBuddy: the CPU whose PCP holds the chunk. An emulation aid with no kernel field behind it.</summary>
    public int Cpu;

    public readonly bool IsHead => State != PageState.Tail;

    /// <summary>
    /// <see cref="State"/> as the byte it is, for a state published without the lock its readers hold: written through
    /// the seam with release semantics after the fields it vouches for, read through it with acquire semantics
    /// (<see cref="Sync.SharedAccess"/>).
    /// </summary>
    public static ref byte StateByte(ref Page page) => ref Unsafe.As<PageState, byte>(ref page.State);
}
