namespace PcpTestbed.Execution.Cpus;

/// <summary>
/// One CPU that missed a quiescent point: what it is doing, the locks it holds, the lock it spins on, and what that
/// looks like. <see cref="Text"/> is the block as printed.
/// </summary>
public sealed record StuckCpu
{
    public required int Cpu { get; init; }

    public required CpuState State { get; init; }

    /// <summary>The allocator call it is in, with its arguments (<c>drain_all_pages()</c>); null outside one.</summary>
    public string? Operation { get; init; }

    /// <summary>The kernel function it is in: the site of the lock it spins on or of its innermost held lock, else the call's.</summary>
    public string? Function { get; init; }

    /// <summary>Where it is when in no allocator call: its workload step, posted work, parked, finished, died.</summary>
    public string? Where { get; init; }

    /// <summary>How long ago its current (or, outside one, its last) allocator call began, to within the watchdog's sampling; null if never seen.</summary>
    public double? CallAgeSeconds { get; init; }

    /// <summary>The call was already running when the watchdog first looked: <see cref="CallAgeSeconds"/> is a lower bound.</summary>
    public bool CallAgeAtLeast { get; init; }

    public required IReadOnlyList<HeldLockReport> HeldLocks { get; init; }

    public LockWait? SpinningOn { get; init; }

    /// <summary>The chain of CPUs behind the lock it spins on, one line each (who holds what, and what they are doing).</summary>
    public required IReadOnlyList<string> Chain { get; init; }

    /// <summary>What the CPU's thread died of, if it died.</summary>
    public string? Fault { get; init; }

    public required HangKind LooksLike { get; init; }

    /// <summary>The reason for <see cref="LooksLike"/>, in one sentence.</summary>
    public required string Why { get; init; }

    /// <summary>The block as printed, line by line.</summary>
    public required IReadOnlyList<string> Text { get; init; }
}
