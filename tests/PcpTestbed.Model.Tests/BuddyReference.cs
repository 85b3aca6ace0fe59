namespace PcpTestbed.Model.Tests;

/// <summary>
/// An independent model of a zone for the randomized test: which pages are allocated, free or reserved,
/// the allocations it handed out (with the type they were requested for), and per-block counts. It never
/// reads the zone's free lists or counters; block types are read from the zone before and after each
/// operation, as the kernel's pageblock bitmap would be.
/// </summary>
internal sealed class BuddyReference
{
    public const int Block = PageAlloc.PageblockNrPages;

    private const byte Free = 0;
    private const byte Used = 1;
    private const byte Reserved = 2;

    private readonly Zone _zone;
    private readonly byte[] _state;
    private readonly int[] _freeInBlock;
    private readonly int[] _movableInBlock; // allocated pages whose request was MOVABLE (the model's PageLRU)
    private readonly int[] _maxFreeOrder;   // cached; -2 when stale

    public BuddyReference(Zone zone)
    {
        _zone = zone;
        Present = zone.PresentPages;
        NrBlocks = zone.NrPageblocks;
        _state = new byte[Present];
        _freeInBlock = new int[NrBlocks];
        _movableInBlock = new int[NrBlocks];
        _maxFreeOrder = new int[NrBlocks];
        Array.Fill(_maxFreeOrder, -2);
        Array.Fill(_state, Used);

        // The starting state is given: read it once from the page array.
        for (var p = 0; p < Present;)
        {
            ref var page = ref zone.Pages[p];
            var size = 1 << page.Order;
            switch (page.State)
            {
                case PageState.Buddy:
                    for (var q = p; q < p + size; q++)
                    {
                        _state[q] = Free;
                        _freeInBlock[q / Block]++;
                    }

                    break;
                case PageState.Allocated:
                    if ((MigrateType)page.Tag == MigrateType.Movable)
                    {
                        for (var q = p; q < p + size; q++)
                        {
                            _movableInBlock[q / Block]++;
                        }
                    }

                    AllocatedPages += size;
                    Chunks.Add((p, page.Order, (MigrateType)page.Tag));
                    break;
                case PageState.Reserved:
                    Array.Fill(_state, Reserved, p, size);
                    ReservedPages += size;
                    break;
                default:
                    throw new InvalidOperationException($"pfn {p}: unexpected {page.State} at the start");
            }

            p += size;
        }
    }

    public int Present { get; }

    public int NrBlocks { get; }

    public long AllocatedPages { get; private set; }

    public long ReservedPages { get; }

    /// <summary>Allocations that may be freed: (pfn, order, requested type).</summary>
    public List<(int Pfn, int Order, MigrateType Tag)> Chunks { get; } = [];

    public MigrateType[] ReadBlockTypes()
    {
        var types = new MigrateType[NrBlocks];
        for (var b = 0; b < NrBlocks; b++)
        {
            types[b] = _zone.Blocks[b].MigrateType;
        }

        return types;
    }

    public int FreeInBlock(int block) => _freeInBlock[block];

    public int MovableInBlock(int block) => _movableInBlock[block];

    public bool WhollyFree(int block) => _freeInBlock[block] == Block;

    public long FreeIn(MigrateType[] types, MigrateType mt)
    {
        long pages = 0;
        for (var b = 0; b < NrBlocks; b++)
        {
            if (types[b] == mt)
            {
                pages += _freeInBlock[b];
            }
        }

        return pages;
    }

    public long FreeOutsideIsolate(MigrateType[] types)
    {
        long pages = 0;
        for (var b = 0; b < NrBlocks; b++)
        {
            if (types[b] != MigrateType.Isolate)
            {
                pages += _freeInBlock[b];
            }
        }

        return pages;
    }

    public bool RangeFree(int pfn, int order)
    {
        for (var p = pfn; p < pfn + (1 << order); p++)
        {
            if (_state[p] != Free)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The largest order (up to pageblock_order) of an aligned, wholly free range in the block; -1 if none.</summary>
    public int MaxFreeOrder(int block)
    {
        if (_maxFreeOrder[block] != -2)
        {
            return _maxFreeOrder[block];
        }

        var best = -1;
        if (_freeInBlock[block] == Block)
        {
            best = PageAlloc.PageblockOrder;
        }
        else if (_freeInBlock[block] > 0)
        {
            foreach (var (_, order) in FreeChunksIn(block))
            {
                best = Math.Max(best, order);
            }
        }

        _maxFreeOrder[block] = best;
        return best;
    }

    /// <summary>
    /// The block's free pages as a buddy allocator must hold them below pageblock_order: each maximal
    /// run of free pages cut greedily into the largest aligned chunks.
    /// </summary>
    public IEnumerable<(int Pfn, int Order)> FreeChunksIn(int block)
    {
        var start = block * Block;
        var end = start + Block;
        for (var p = start; p < end;)
        {
            if (_state[p] != Free)
            {
                p++;
                continue;
            }

            var run = p;
            while (run < end && _state[run] == Free)
            {
                run++;
            }

            while (p < run)
            {
                var order = Math.Min(int.TrailingZeroCount(p), PageAlloc.PageblockOrder);
                while (p + (1 << order) > run)
                {
                    order--;
                }

                yield return (p, order);
                p += 1 << order;
            }
        }
    }

    /// <summary>Whether a block of type <paramref name="mt"/> holds an aligned wholly free range of <paramref name="order"/> (0..10).</summary>
    public bool HasRange(MigrateType[] types, MigrateType mt, int order)
    {
        if (order > PageAlloc.PageblockOrder)
        {
            for (var b = 0; b + 1 < NrBlocks; b += 2)
            {
                if (types[b] == mt && types[b + 1] == mt && WhollyFree(b) && WhollyFree(b + 1))
                {
                    return true;
                }
            }

            return false;
        }

        for (var b = 0; b < NrBlocks; b++)
        {
            if (types[b] == mt && MaxFreeOrder(b) >= order)
            {
                return true;
            }
        }

        return false;
    }

    public void MarkAllocated(int pfn, int order, MigrateType tag)
    {
        var size = 1 << order;
        for (var p = pfn; p < pfn + size; p++)
        {
            if (_state[p] == Used)
            {
                throw new InvalidOperationException($"pfn {p} allocated twice");
            }

            if (_state[p] == Free)
            {
                _freeInBlock[p / Block]--;
            }

            _state[p] = Used;
            if (tag == MigrateType.Movable)
            {
                _movableInBlock[p / Block]++;
            }
        }

        Invalidate(pfn, size);
        AllocatedPages += size;
        Chunks.Add((pfn, order, tag));
    }

    /// <summary>Frees the chunk at <paramref name="index"/> in <see cref="Chunks"/> and returns it.</summary>
    public (int Pfn, int Order, MigrateType Tag) MarkFree(int index)
    {
        var chunk = Chunks[index];
        Chunks[index] = Chunks[^1];
        Chunks.RemoveAt(Chunks.Count - 1);
        var size = 1 << chunk.Order;
        for (var p = chunk.Pfn; p < chunk.Pfn + size; p++)
        {
            _state[p] = Free;
            _freeInBlock[p / Block]++;
            if (chunk.Tag == MigrateType.Movable)
            {
                _movableInBlock[p / Block]--;
            }
        }

        Invalidate(chunk.Pfn, size);
        AllocatedPages -= size;
        return chunk;
    }

    private void Invalidate(int pfn, int size)
    {
        for (var b = pfn / Block; b <= (pfn + size - 1) / Block; b++)
        {
            _maxFreeOrder[b] = -2;
        }
    }
}
