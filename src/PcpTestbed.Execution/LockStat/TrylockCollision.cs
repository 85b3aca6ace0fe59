namespace PcpTestbed.Execution.LockStat;

/// <summary>
/// Failed trylocks at one site that found the lock held at <see cref="Holder"/> (the kernel function of the holder's
/// site, read racily from <see cref="PcpTestbed.Model.Sync.EmuSpinLock.HoldSite"/> at the failure, as lock_stat reads
/// the holder for its contending points).
/// </summary>
public sealed record TrylockCollision(string Holder, long Count);
