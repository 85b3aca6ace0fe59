using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PcpTestbed.Designs;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Workloads.Support;

/// <summary>
/// The chunks one CPU holds, in allocation order: a ring whose capacity is a power of two, so a push or a pop is an
/// index and a mask (no division), and whose entries are one long each (the pfn and the order packed), so 128 MiB of
/// order-0 pages is a 256 KiB ring. Owned by that CPU's thread only (no locks); the coordinator reads it at quiescent
/// points. Size it for the workload (<paramref name="capacity"/>) so the ring never grows during a run.
/// </summary>
/// <remarks>
/// Every CPU writes its cursor on every step, and the CPUs' instances are small objects allocated one after
/// another: once a GC compacts away the arrays between them, two CPUs' cursors can share a cache line, and
/// every step of one CPU then steals the line from the other. The cursor is padded on both sides for that.
/// </remarks>
public sealed class HeldPages(int capacity = 256)
{
    /// <summary>Bits of an entry below the pfn: the order (0..10).</summary>
    private const int OrderBits = 4;

    private long[] _items = new long[BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, capacity))];
    private Cursor _cursor;

    public int Count => _cursor.Count;

    public long Pages => _cursor.Count + _cursor.ExtraPages;

    /// <remarks>
    /// Every fault of the page-fault workload pushes, so the common case is a straight line with no call in it (a call
    /// would make the CPU loop keep its values on the stack across it): the store skips the bounds check, as the index
    /// is masked to the ring, whose length is a power of two, and the tally is written only for a chunk of more than
    /// one page. A full ring grows out of line.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(HeldChunk chunk)
    {
        var items = _items;
        ref var c = ref _cursor;
        var count = c.Count;
        if (count == items.Length)
        {
            PushGrowing(chunk);
            return;
        }

        Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(items), (c.Head + count) & (items.Length - 1)) = Pack(chunk);
        c.Count = count + 1;
        if (chunk.Order != 0)
        {
            c.ExtraPages += chunk.Pages - 1;
        }
    }

    /// <summary>The oldest chunk (FIFO: munmap frees in address order, as faults allocated them).</summary>
    public HeldChunk PopOldest()
    {
        ref var c = ref _cursor;
        var chunk = Unpack(_items[c.Head]);
        c.Head = (c.Head + 1) & (_items.Length - 1);
        c.Count--;
        Untally(ref c, chunk);
        return chunk;
    }

    /// <summary>The newest chunk.</summary>
    public HeldChunk PopNewest()
    {
        ref var c = ref _cursor;
        var chunk = Unpack(_items[(c.Head + c.Count - 1) & (_items.Length - 1)]);
        c.Count--;
        Untally(ref c, chunk);
        return chunk;
    }

    /// <summary>
    /// Takes the <paramref name="into"/>.Length oldest chunks (or newest, newest first, when <paramref name="newest"/>) as
    /// folios, updating the cursor once: a folio_batch filled from the holdings.
    /// </summary>
    public void PopFolios(Span<Folio> into, bool newest)
    {
        ref var c = ref _cursor;
        if (into.Length > c.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(into), into.Length, $"only {c.Count} chunks are held");
        }

        var mask = _items.Length - 1;
        long extra = 0;
        for (var i = 0; i < into.Length; i++)
        {
            var chunk = Unpack(_items[(newest ? c.Head + c.Count - 1 - i : c.Head + i) & mask]);
            into[i] = chunk.AsFolio;
            extra += chunk.Pages - 1;
        }

        if (!newest)
        {
            c.Head = (c.Head + into.Length) & mask;
        }

        c.Count -= into.Length;
        if (extra != 0)
        {
            c.ExtraPages -= extra;
        }
    }

    /// <summary>A chunk chosen by <paramref name="random"/>, swapped out in O(1).</summary>
    public HeldChunk PopRandom(CpuRandom random)
    {
        ref var c = ref _cursor;
        var mask = _items.Length - 1;
        var i = random.Next(c.Count);
        var slot = (c.Head + i) & mask;
        var last = (c.Head + c.Count - 1) & mask;
        var chunk = Unpack(_items[slot]);
        _items[slot] = _items[last];
        c.Count--;
        Untally(ref c, chunk);
        return chunk;
    }

    public IEnumerable<HeldChunk> Snapshot()
    {
        for (var i = 0; i < _cursor.Count; i++)
        {
            yield return Unpack(_items[(_cursor.Head + i) & (_items.Length - 1)]);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void PushGrowing(HeldChunk chunk)
    {
        Grow();
        Push(chunk);
    }

    private void Grow()
    {
        var bigger = new long[_items.Length * 2];
        for (var i = 0; i < _cursor.Count; i++)
        {
            bigger[i] = _items[(_cursor.Head + i) & (_items.Length - 1)];
        }

        _items = bigger;
        _cursor.Head = 0;
    }

    private static void Untally(ref Cursor c, HeldChunk chunk)
    {
        if (chunk.Order != 0)
        {
            c.ExtraPages -= chunk.Pages - 1;
        }
    }

    private static long Pack(HeldChunk chunk) => (chunk.Pfn << OrderBits) | (uint)chunk.Order;

    private static HeldChunk Unpack(long entry) => new(entry >> OrderBits, (int)(entry & ((1 << OrderBits) - 1)));

    /// <summary>The fields every step writes, on a line of their own.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Cursor // do not make readonly: advanced in place by the owning CPU
    {
        private CacheLinePad _before;

        /// <summary>Index of the oldest chunk.</summary>
        public int Head;

        public int Count;

        /// <summary>Pages held beyond one per chunk: 0 while every chunk is order 0, so a push or pop of one writes no tally.</summary>
        public long ExtraPages;

        private CacheLinePad _after;
    }
}
