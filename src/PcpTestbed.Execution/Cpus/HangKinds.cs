namespace PcpTestbed.Execution.Cpus;

public static class HangKinds
{
    /// <summary>A hang the design under test could have on a real kernel (exit 3), as opposed to a fault of the testbed (exit 1).</summary>
    public static bool IsDesignFailure(HangKind kind) => kind is HangKind.Deadlock or HangKind.LockHolderGone or HangKind.StuckInOperation;

    /// <summary>What the kind means for the reader, in a few words.</summary>
    public static string Meaning(HangKind kind) => kind switch
    {
        HangKind.Deadlock => "a deadlock of the design (a wait-for cycle)",
        HangKind.LockHolderGone => "a lock that can never be released (its holder left its allocator call or died holding it): a failure of the design",
        HangKind.StuckInOperation => "a livelock or endless loop of the design (one allocator call, no lock wait, no progress)",
        HangKind.Starvation => "starvation: the lock kept changing hands but never to this CPU; a fault of the testbed's spin lock, not of the design",
        HangKind.OutsideAllocator => "stuck outside the allocator (a workload step, posted work or the host): a fault of the testbed, not of the design",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
