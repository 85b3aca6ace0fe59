namespace PcpTestbed.Coyote;

/// <summary>
/// What a CPU is about to do at a scheduling point (<see cref="PendingStep"/>). The iteration state announces every
/// one; each controller schedules at the kinds it uses and lets the others pass: Coyote at the kinds it always had
/// (a lock, trylock or elided lock attempt, a shared access, and after a release), our own scheduler before every
/// shared effect (op boundaries and releases included), so each of its steps does exactly one shared thing.
/// </summary>
internal enum PointKind : byte
{
    /// <summary>A CPU thread that has not run yet: its first step runs the script up to its first point.</summary>
    Start,

    /// <summary>An allocator operation (or scenario action) is about to begin (the quiescence count rises).</summary>
    OpBegin,

    /// <summary>An operation is about to return (the quiescence count falls; at zero the auditor runs).</summary>
    OpEnd,

    /// <summary>A racy read of a shared location (<see cref="Model.Sync.IExecution.SharedRead"/>).</summary>
    Read,

    /// <summary>A racy write of a shared location (<see cref="Model.Sync.IExecution.SharedWrite"/>).</summary>
    Write,

    CompareExchange,

    Exchange,

    /// <summary>An attempt to take a lock with spin_lock() (again, after a wait).</summary>
    Lock,

    TryLock,

    /// <summary>An acquisition at the elided site of a lock-elision run.</summary>
    LockElided,

    /// <summary>A release, before it happens.</summary>
    Unlock,

    /// <summary>The release of an elided acquisition, before it is skipped.</summary>
    UnlockElided,

    /// <summary>Just after a release (Coyote's point there: a waiter woken may run at once).</summary>
    AfterUnlock,
}
