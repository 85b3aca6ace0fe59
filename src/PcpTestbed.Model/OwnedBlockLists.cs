namespace PcpTestbed.Model;

/// <summary>
/// Each CPU's owned_blocks list (the pageblock-owning RFC): the blocks it owns that have pages on zone
/// free lists, so refill phase 0 can recover them. The zone keeps the lists exact itself: every free-list
/// operation under zone->lock updates the block's count of zone-free pages, links an owned block that
/// gains zone-free pages, unlinks one that has none left, and releases the ownership of a block that is
/// whole on the zone lists again.
/// <para>
/// The RFC (Apr 2026) says the drain adds blocks and phase 0 removes them but leaves the other paths
/// (trylock-fallback frees, other CPUs allocating fragments) unstated; guarding the lists by zone->lock
/// and maintaining them at the free lists covers every path. Noted in the README's fidelity notes.
/// </para>
/// </summary>
public sealed class OwnedBlockLists
{
    private readonly int[] _firstLink; // per CPU: block index + 1 of the list's first block; guarded by zone->lock
    private readonly int[] _lastLink;
    private readonly int[] _length;

    public OwnedBlockLists(int cpus)
    {
        _firstLink = new int[cpus];
        _lastLink = new int[cpus];
        _length = new int[cpus];
    }

    public int Cpus => _firstLink.Length;

    /// <summary>The first block on a CPU's list, or -1. Guarded by zone->lock.</summary>
    public int First(int cpu) => _firstLink[cpu] - 1;

    public int Length(int cpu) => _length[cpu];

    /// <summary>The block after <paramref name="block"/> on its list, or -1.</summary>
    public static int Next(Pageblock[] blocks, int block) => blocks[block].OwnedNextLink - 1;

    internal void Link(Pageblock[] blocks, int cpu, int block)
    {
        ref var b = ref blocks[block];
        b.OwnedPrevLink = _lastLink[cpu];
        b.OwnedNextLink = 0;
        if (_lastLink[cpu] != 0)
        {
            blocks[_lastLink[cpu] - 1].OwnedNextLink = block + 1;
        }
        else
        {
            _firstLink[cpu] = block + 1;
        }

        _lastLink[cpu] = block + 1;
        b.OnOwnedList = 1;
        _length[cpu]++;
    }

    internal void Unlink(Pageblock[] blocks, int cpu, int block)
    {
        ref var b = ref blocks[block];
        if (b.OwnedPrevLink != 0)
        {
            blocks[b.OwnedPrevLink - 1].OwnedNextLink = b.OwnedNextLink;
        }
        else
        {
            _firstLink[cpu] = b.OwnedNextLink;
        }

        if (b.OwnedNextLink != 0)
        {
            blocks[b.OwnedNextLink - 1].OwnedPrevLink = b.OwnedPrevLink;
        }
        else
        {
            _lastLink[cpu] = b.OwnedPrevLink;
        }

        b.OwnedNextLink = 0;
        b.OwnedPrevLink = 0;
        b.OnOwnedList = 0;
        _length[cpu]--;
    }

    /// <summary>The lists' heads and lengths, three ints per CPU (first link, last link, length), for a snapshot.</summary>
    internal void SaveTo(int[] into)
    {
        for (var cpu = 0; cpu < Cpus; cpu++)
        {
            into[3 * cpu] = _firstLink[cpu];
            into[(3 * cpu) + 1] = _lastLink[cpu];
            into[(3 * cpu) + 2] = _length[cpu];
        }
    }

    /// <summary>Writes back what <see cref="SaveTo"/> saved (the blocks' own links come back with the block array).</summary>
    internal void RestoreFrom(int[] saved)
    {
        for (var cpu = 0; cpu < Cpus; cpu++)
        {
            _firstLink[cpu] = saved[3 * cpu];
            _lastLink[cpu] = saved[(3 * cpu) + 1];
            _length[cpu] = saved[(3 * cpu) + 2];
        }
    }
}
