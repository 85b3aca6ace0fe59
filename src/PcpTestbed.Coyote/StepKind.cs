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

    /// <summary>A read of shared state outside its lock (READ_ONCE, a racy check): Location and Access say what and where.</summary>
    Read,

    /// <summary>A write of shared state other CPUs touch without a common lock (WRITE_ONCE, a publication, a racy update).</summary>
    Write,

    /// <summary>CompareExchange: Value is the value seen, Value2 the comparand.</summary>
    CompareExchange,

    /// <summary>Exchange: Value is the old value, Value2 the new one.</summary>
    Exchange,

    /// <summary>A quiescent point: the auditor ran.</summary>
    Audit,

    /// <summary>A lock or trylock at the elided site (a lock-elision run): it returned as if taken, without taking the lock.</summary>
    LockElided,

    /// <summary>The unlock matching an elided acquisition: skipped.</summary>
    UnlockElided,
}
