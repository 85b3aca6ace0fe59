using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Lockdep;

/// <summary>
/// One CPU's held locks in the order taken: lockdep's <c>current-&gt;held_locks</c>. Written only by the thread
/// running that CPU (a CPU is one thread at a time), so plain fields are enough.
/// </summary>
internal sealed class HeldLockStack
{
    /// <summary>The deepest nesting kept (the kernel's MAX_LOCK_DEPTH is 48; the designs nest two).</summary>
    public const int Capacity = 8;

    private readonly HeldLock[] _locks = new HeldLock[Capacity];

    public int Depth { get; private set; }

    public HeldLock this[int i] => _locks[i];

    /// <summary>Pushes a lock; false when the stack is full (the lock is then not tracked).</summary>
    public bool TryPush(HeldLock held)
    {
        if (Depth == Capacity)
        {
            return false;
        }

        _locks[Depth++] = held;
        return true;
    }

    /// <summary>Removes the most recent entry for the lock instance; false if the CPU does not hold it here.</summary>
    public bool Remove(LockClass c, int instance)
    {
        for (var i = Depth - 1; i >= 0; i--)
        {
            if (_locks[i].Class == c && _locks[i].Instance == instance)
            {
                Array.Copy(_locks, i + 1, _locks, i, Depth - i - 1);
                Depth--;
                return true;
            }
        }

        return false;
    }
}
