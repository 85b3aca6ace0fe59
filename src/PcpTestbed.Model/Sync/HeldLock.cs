namespace PcpTestbed.Model.Sync;

/// <summary>A lock a CPU holds: its class, its instance and the site that took it (an entry of lockdep's held_locks).</summary>
public readonly record struct HeldLock(LockClass Class, int Instance, LockSite Site)
{
    public string Name => LockClasses.InstanceName(Class, Instance);
}
