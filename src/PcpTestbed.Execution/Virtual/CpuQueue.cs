namespace PcpTestbed.Execution.Virtual;

/// <summary>
/// The runnable CPUs as a binary min-heap on (virtual clock, CPU id): the earliest clock first, ties to the lower id,
/// so the order is the same on every host. The clocks live in the machine's array; the queue is told when one changes.
/// </summary>
internal sealed class CpuQueue
{
    private readonly long[] _clocks;
    private readonly int[] _heap;
    private readonly int[] _position; // index in _heap, or -1 when not queued
    private int _count;

    public CpuQueue(long[] clocks)
    {
        _clocks = clocks;
        _heap = new int[clocks.Length];
        _position = new int[clocks.Length];
        Array.Fill(_position, -1);
    }

    public int Count => _count;

    /// <summary>The CPU to run next. The queue must not be empty.</summary>
    public int Min => _heap[0];

    public bool Contains(int cpu) => _position[cpu] >= 0;

    public void Insert(int cpu)
    {
        if (_position[cpu] >= 0)
        {
            throw new InvalidOperationException($"CPU {cpu} is queued already");
        }

        _heap[_count] = cpu;
        _position[cpu] = _count;
        _count++;
        SiftUp(_count - 1);
    }

    public void Remove(int cpu)
    {
        var i = _position[cpu];
        if (i < 0)
        {
            return;
        }

        _count--;
        _position[cpu] = -1;
        if (i == _count)
        {
            return;
        }

        _heap[i] = _heap[_count];
        _position[_heap[i]] = i;
        SiftUp(SiftDown(i));
    }

    /// <summary>Restores the order after <paramref name="cpu"/>'s clock changed.</summary>
    public void Update(int cpu)
    {
        var i = _position[cpu];
        if (i >= 0)
        {
            SiftUp(SiftDown(i));
        }
    }

    private bool Before(int a, int b) => _clocks[a] < _clocks[b] || (_clocks[a] == _clocks[b] && a < b);

    private int SiftDown(int i)
    {
        // Bounded by the heap's depth: each round moves i down a level.
        while (true)
        {
            var left = (2 * i) + 1;
            if (left >= _count)
            {
                return i;
            }

            var child = left + 1 < _count && Before(_heap[left + 1], _heap[left]) ? left + 1 : left;
            if (!Before(_heap[child], _heap[i]))
            {
                return i;
            }

            Swap(i, child);
            i = child;
        }
    }

    private void SiftUp(int i)
    {
        while (i > 0)
        {
            var parent = (i - 1) / 2;
            if (!Before(_heap[i], _heap[parent]))
            {
                return;
            }

            Swap(i, parent);
            i = parent;
        }
    }

    private void Swap(int i, int j)
    {
        (_heap[i], _heap[j]) = (_heap[j], _heap[i]);
        _position[_heap[i]] = i;
        _position[_heap[j]] = j;
    }
}
