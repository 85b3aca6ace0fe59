namespace PcpTestbed.Benchmarks.Baselines;

/// <summary>
/// A bounded single-producer single-consumer ring that hands rented arrays to the thread that returns them.
/// Its small capacity also bounds the arrays out of the pool, so ArrayPool's per-core stacks never overflow
/// and never run dry: the pair stays allocation-free, like the pool's steady state.
/// </summary>
public sealed class SpscRing<T> where T : class
{
    private readonly T?[] _slots;
    private readonly int _mask;
    private RingIndices _indices;

    public SpscRing(int capacityPowerOfTwo)
    {
        if (capacityPowerOfTwo < 2 || (capacityPowerOfTwo & (capacityPowerOfTwo - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(capacityPowerOfTwo), capacityPowerOfTwo, "expected a power of two ≥ 2");
        }

        _slots = new T?[capacityPowerOfTwo];
        _mask = capacityPowerOfTwo - 1;
    }

    /// <summary>Producer only. False when the ring is full.</summary>
    public bool TryEnqueue(T item)
    {
        var tail = _indices.Tail;
        if (tail - Volatile.Read(ref _indices.Head) == _slots.Length)
        {
            return false;
        }

        _slots[tail & _mask] = item;

        // Publishes the slot written above to the consumer.
        Volatile.Write(ref _indices.Tail, tail + 1);
        return true;
    }

    /// <summary>Consumer only. False when the ring is empty.</summary>
    public bool TryDequeue(out T item)
    {
        var head = _indices.Head;
        if (Volatile.Read(ref _indices.Tail) == head)
        {
            item = null!;
            return false;
        }

        item = _slots[head & _mask]!;
        _slots[head & _mask] = null;

        // Publishes the freed slot to the producer.
        Volatile.Write(ref _indices.Head, head + 1);
        return true;
    }
}
