namespace PcpTestbed.Coyote;

/// <summary>What a CPU did at one recorded step of an iteration.</summary>
internal enum StepKind : byte
{
    /// <summary>An allocator operation (or scenario action) began.</summary>
    OpBegin,

    /// <summary>The operation returned.</summary>
    OpEnd,

    /// <summary>spin_lock() took the lock.</summary>
    Lock,

    /// <summary>spin_lock() found the lock held and waits (spins, then parks until a release).</summary>
    LockWait,

    TryLockTaken,

    TryLockFailed,

    Unlock,

    /// <summary>A racy access the model marks as a scheduling point (READ_ONCE, a racy check).</summary>
    Interleave,

    /// <summary>CompareExchange: Value is the value seen, Value2 the comparand.</summary>
    CompareExchange,

    /// <summary>Exchange: Value is the old value, Value2 the new one.</summary>
    Exchange,

    /// <summary>A quiescent point: the auditor ran.</summary>
    Audit,
}
