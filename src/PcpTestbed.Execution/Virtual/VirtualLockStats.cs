namespace PcpTestbed.Execution.Virtual;

/// <summary>
/// One lock class under the virtual-time engine: what it did, and every acquisition whose timing may differ from exact
/// virtual-time semantics (see <see cref="VirtualMachine"/>, "Approximation"), so a report can state the error.
/// </summary>
/// <param name="Lock">The class, as lock_stat names it in JSON ("zone->lock").</param>
/// <param name="Acquisitions">spin_lock() and successful spin_trylock() calls.</param>
/// <param name="Contentions">spin_lock() calls that waited.</param>
/// <param name="TrylockFailures">spin_trylock() calls that found the lock held at that instant.</param>
/// <param name="OutOfOrderGrants">
/// Contended spin_lock() calls that waited behind a hold asked for later than they were: the earlier-run operation
/// kept the lock, where qspinlock would have served this one first.
/// </param>
/// <param name="OutOfOrderDelayNs">How much later than arrival order those grants came, in total.</param>
/// <param name="DeferredTrylocks">
/// spin_trylock() calls that found the lock free at their instant, but before a hold an earlier-run operation had
/// recorded: they succeeded, after that hold.
/// </param>
/// <param name="DeferredTrylockDelayNs">How long those trylocks were deferred, in total.</param>
public sealed record VirtualLockStats(
    string Lock,
    long Acquisitions,
    long Contentions,
    long TrylockFailures,
    long OutOfOrderGrants,
    long OutOfOrderDelayNs,
    long DeferredTrylocks,
    long DeferredTrylockDelayNs)
{
    /// <summary>Acquisitions whose timing may differ from exact semantics, as a share of all acquisitions (0 with none).</summary>
    public double ApproximatedShare => Acquisitions == 0 ? 0 : (double)(OutOfOrderGrants + DeferredTrylocks) / Acquisitions;
}
