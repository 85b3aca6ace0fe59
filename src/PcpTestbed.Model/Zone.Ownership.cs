using System.Runtime.CompilerServices;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Model;

// Per-block zone-free counts and pageblock ownership (the pageblock-owning RFC). Every function here
// runs under zone->lock. Mainline never sets an owner, so it only pays for the counts.
public sealed partial class Zone
{
    /// <summary>The owned_blocks lists; null unless a pageblock design runs on this zone.</summary>
    public OwnedBlockLists? Ownership { get; private set; }

    /// <summary>Ownership releases: an owned block came back whole onto the zone lists, or its CPU died.</summary>
    public long OwnershipReleases { get; private set; }

    /// <summary>Installs the owned_blocks lists for <paramref name="cpus"/> CPUs. Once, before any allocation.</summary>
    public void EnableOwnership(int cpus)
    {
        if (Ownership != null)
        {
            throw new InvalidOperationException($"zone {Name} already tracks pageblock ownership");
        }

        Ownership = new OwnedBlockLists(cpus);
    }

    /// <summary>Makes <paramref name="cpu"/> the owner of an unowned block (refill phase 1).</summary>
    public void ClaimBlockOwnership(int block, int cpu)
    {
        AssertLocked();
        ref var pb = ref Blocks[block];
        if (pb.Owner >= 0)
        {
            throw new LockdepException($"pageblock {block} is already owned by CPU {pb.Owner}");
        }

        SetOwnerWord(block, cpu);
        if (pb.ZoneFreePages > 0)
        {
            LinkOwned(cpu, block);
        }
    }

    /// <summary>Ends a block's ownership: unlinks it from owned_blocks and clears the owner.</summary>
    public void ReleaseBlockOwnership(int block)
    {
        AssertLocked();
        ref var pb = ref Blocks[block];
        var owner = pb.Owner;
        if (owner < 0)
        {
            return;
        }

        if (pb.OnOwnedList != 0)
        {
            UnlinkOwned(owner, block);
        }

        SetOwnerWord(block, -1);
        OwnershipReleases++;
    }

    /// <summary>Clears the owner bits without touching owned_blocks (an injected bug uses this to leave a stale entry).</summary>
    public void ClearOwnerTagOnly(int block)
    {
        AssertLocked();
        SetOwnerWord(block, -1);
    }

    /// <summary>The owner of the block holding <paramref name="pfn"/>, or -1: a racy read, as on the free path, a scheduling point at <paramref name="site"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int GetPageblockOwner(int pfn, AccessSite site) =>
        Pageblock.OwnerOf(_seam.ReadOnce(ref Blocks[pfn >> PageAlloc.PageblockOrder].Word, SharedLocation.PageblockOf(pfn), site));

    /// <summary>Migratetype and owner of a block in one racy load, a scheduling point at <paramref name="site"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (MigrateType Mt, int Owner) GetPageblockTypeAndOwner(int pfn, AccessSite site)
    {
        var word = _seam.ReadOnce(ref Blocks[pfn >> PageAlloc.PageblockOrder].Word, SharedLocation.PageblockOf(pfn), site);
        return (Pageblock.MigrateTypeOf(word), Pageblock.OwnerOf(word));
    }

    // The owner bits of the pageblock word, written under zone->lock like the type bits (see SetPageblockMigratetype).
    private void SetOwnerWord(int block, int owner)
    {
        AssertLocked();
        ref var word = ref Blocks[block].Word;
        _seam.WriteOnce(ref word, Pageblock.Compose(Pageblock.MigrateTypeOf(word), owner), SharedLocation.Pageblock(block), AccessSite.SetPageblockOwner);
    }

    // owned_blocks edits: under zone->lock (asserted), each a scheduling point on the CPU's list.
    private void LinkOwned(int cpu, int block)
    {
        AssertLocked();
        _seam.Write(SharedLocation.OwnedBlocks(cpu), AccessSite.OwnedBlocksAdd);
        Ownership!.Link(Blocks, cpu, block);
    }

    private void UnlinkOwned(int cpu, int block)
    {
        AssertLocked();
        _seam.Write(SharedLocation.OwnedBlocks(cpu), AccessSite.OwnedBlocksDel);
        Ownership!.Unlink(Blocks, cpu, block);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void NoteZoneFree(int pfn, int order, int sign)
    {
        var block = pfn >> PageAlloc.PageblockOrder;
        if (order <= PageAlloc.PageblockOrder)
        {
            UpdateBlockZoneFree(block, sign << order);
            return;
        }

        for (var i = 0; i < 1 << (order - PageAlloc.PageblockOrder); i++)
        {
            UpdateBlockZoneFree(block + i, sign * PageAlloc.PageblockNrPages);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void UpdateBlockZoneFree(int block, int delta)
    {
        ref var pb = ref Blocks[block];
        pb.ZoneFreePages = (short)(pb.ZoneFreePages + delta);
        if ((pb.Word >> 8) != 0)
        {
            OwnedBlockFreeChanged(block);
        }
    }

    // Keeps owned_blocks exact: a block is listed iff it is owned and some (not all) of its pages are zone-free.
    private void OwnedBlockFreeChanged(int block)
    {
        ref var pb = ref Blocks[block];
        var lists = Ownership;
        if (lists == null)
        {
            return;
        }

        if (pb.ZoneFreePages == PageAlloc.PageblockNrPages)
        {
            // The whole block is back on the zone lists: nobody holds its pages, so the ownership ends.
            ReleaseBlockOwnership(block);
        }
        else if (pb.ZoneFreePages > 0)
        {
            if (pb.OnOwnedList == 0)
            {
                LinkOwned(pb.Owner, block);
            }
        }
        else if (pb.OnOwnedList != 0)
        {
            UnlinkOwned(pb.Owner, block);
        }
    }
}
