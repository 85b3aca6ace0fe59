using System.Runtime.CompilerServices;

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
            Ownership!.Link(Blocks, cpu, block);
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
            Ownership!.Unlink(Blocks, owner, block);
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

    /// <summary>The owner of the block holding <paramref name="pfn"/>, or -1: a racy read, as on the free path.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int GetPageblockOwner(int pfn) => Pageblock.OwnerOf(Volatile.Read(ref Blocks[pfn >> PageAlloc.PageblockOrder].Word));

    /// <summary>Migratetype and owner of a block in one racy load.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (MigrateType Mt, int Owner) GetPageblockTypeAndOwner(int pfn)
    {
        var word = Volatile.Read(ref Blocks[pfn >> PageAlloc.PageblockOrder].Word);
        return (Pageblock.MigrateTypeOf(word), Pageblock.OwnerOf(word));
    }

    private void SetOwnerWord(int block, int owner)
    {
        AssertLocked();
        ref var word = ref Blocks[block].Word;
        while (true)
        {
            var old = Volatile.Read(ref word);
            var updated = (int)Pageblock.MigrateTypeOf(old) | ((owner + 1) << 8);
            // Reserves the word against a concurrent migratetype update.
            if (Interlocked.CompareExchange(ref word, updated, old) == old)
            {
                return;
            }
        }
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
                lists.Link(Blocks, pb.Owner, block);
            }
        }
        else if (pb.OnOwnedList != 0)
        {
            lists.Unlink(Blocks, pb.Owner, block);
        }
    }
}
