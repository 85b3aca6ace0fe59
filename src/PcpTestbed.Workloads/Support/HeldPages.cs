namespace PcpTestbed.Workloads.Support;

/// <summary>
/// The chunks one CPU holds, in allocation order. Owned by that CPU's thread only (no locks); the
/// coordinator reads it at quiescent points.
/// </summary>
public sealed class HeldPages
{
    private HeldChunk[] _items = new HeldChunk[256];
    private int _head; // index of the oldest chunk
    private int _count;

    public int Count => _count;

    public long Pages { get; private set; }

    public void Push(HeldChunk chunk)
    {
        if (_count == _items.Length)
        {
            Grow();
        }

        _items[(_head + _count) % _items.Length] = chunk;
        _count++;
        Pages += chunk.Pages;
    }

    /// <summary>The oldest chunk (FIFO: munmap frees in address order, as faults allocated them).</summary>
    public HeldChunk PopOldest()
    {
        var chunk = _items[_head];
        _head = (_head + 1) % _items.Length;
        _count--;
        Pages -= chunk.Pages;
        return chunk;
    }

    /// <summary>The newest chunk.</summary>
    public HeldChunk PopNewest()
    {
        var chunk = _items[(_head + _count - 1) % _items.Length];
        _count--;
        Pages -= chunk.Pages;
        return chunk;
    }

    /// <summary>A chunk chosen by <paramref name="random"/>, swapped out in O(1).</summary>
    public HeldChunk PopRandom(CpuRandom random)
    {
        var i = random.Next(_count);
        var slot = (_head + i) % _items.Length;
        var last = (_head + _count - 1) % _items.Length;
        var chunk = _items[slot];
        _items[slot] = _items[last];
        _count--;
        Pages -= chunk.Pages;
        return chunk;
    }

    public IEnumerable<HeldChunk> Snapshot()
    {
        for (var i = 0; i < _count; i++)
        {
            yield return _items[(_head + i) % _items.Length];
        }
    }

    private void Grow()
    {
        var bigger = new HeldChunk[_items.Length * 2];
        for (var i = 0; i < _count; i++)
        {
            bigger[i] = _items[(_head + i) % _items.Length];
        }

        _items = bigger;
        _head = 0;
    }
}
