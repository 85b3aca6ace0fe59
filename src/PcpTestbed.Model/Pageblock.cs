using System.Runtime.InteropServices;

namespace PcpTestbed.Model;

/// <summary>
/// Per-pageblock data (the RFC's struct pageblock_data; mainline keeps only the migratetype bits).
/// The migratetype and the owner CPU share one word so that a free reads both with one load.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 16)]
public struct Pageblock // do not make readonly: updated in place in the block array
{
    private const int MigratetypeMask = 0xFF;
    private const int OwnerShift = 8;

    /// <summary>
    /// Bits 0-7: migratetype; bits 8-31: owner CPU + 1 (0: not owned). The migratetype is written under
    /// zone->lock; the owner under zone->lock too (claim, release). Both are read without locks, as
    /// get_pfnblock_migratetype() is in the kernel.
    /// </summary>
    internal int Word;

    /// <summary>Link to the next block on the owner's owned_blocks list (block index + 1, 0 none). Guarded by zone->lock.</summary>
    internal int OwnedNextLink;

    /// <summary>Link to the previous block on the owner's owned_blocks list. Guarded by zone->lock.</summary>
    internal int OwnedPrevLink;

    /// <summary>Pages of this block on zone free lists (0..512). Guarded by zone->lock.</summary>
    internal short ZoneFreePages;

    /// <summary>1 while the block is on its owner's owned_blocks list. Guarded by zone->lock.</summary>
    internal byte OnOwnedList;

    public readonly MigrateType MigrateType => (MigrateType)(Word & MigratetypeMask);

    /// <summary>The owner CPU, or -1.</summary>
    public readonly int Owner => (Word >> OwnerShift) - 1;

    /// <summary>Pages of the block that sit on zone free lists.</summary>
    public readonly int ZoneFree => ZoneFreePages;

    public readonly bool IsOnOwnedList => OnOwnedList != 0;

    internal static MigrateType MigrateTypeOf(int word) => (MigrateType)(word & MigratetypeMask);

    internal static int OwnerOf(int word) => (word >> OwnerShift) - 1;

    internal static int Compose(MigrateType mt, int owner) => (int)mt | ((owner + 1) << OwnerShift);
}
