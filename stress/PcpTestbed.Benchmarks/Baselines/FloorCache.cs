using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Benchmarks.Baselines;

/// <summary>
/// The floor: the least a per-CPU page cache can do for an alloc+free pair. A test-and-test-and-set lock
/// (a read, then Interlocked.CompareExchange 0 → 1, released with Volatile.Write) around an array pop, and
/// again around an array push: the two uncontended lock round trips the kernel's rmqueue_pcplist() and
/// free_unref_page() take, and the list work reduced to an index. Nothing is checked, counted or sized.
/// </summary>
public sealed class FloorCache
{
    private readonly int[] _stack;
    private Slot _slot;

    public FloorCache(int capacity)
    {
        _stack = new int[capacity];
        for (var i = 0; i < capacity; i++)
        {
            _stack[i] = i;
        }

        _slot.Count = capacity;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Pop()
    {
        Lock();
        var v = _stack[--_slot.Count];
        Unlock();
        return v;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(int v)
    {
        Lock();
        _stack[_slot.Count++] = v;
        Unlock();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Lock()
    {
        // The CAS 0 → 1 reserves the cache; the read before it keeps a held lock's line shared, as the model's lock does.
        while (Volatile.Read(ref _slot.State) != 0 || Interlocked.CompareExchange(ref _slot.State, 1, 0) != 0)
        {
            Thread.SpinWait(1);
        }
    }

    // Publishes the pop or push to the next holder.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Unlock() => Volatile.Write(ref _slot.State, 0);

    /// <summary>The lock word and the count on a line of their own, as the model's PCP keeps them.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Slot // do not make readonly: the lock word and count change in place
    {
        private CacheLinePad _before;

        /// <summary>0 free, 1 held.</summary>
        public int State;

        /// <summary>Entries on the stack; guarded by <see cref="State"/>.</summary>
        public int Count;

        private CacheLinePad _after;
    }
}
