namespace PcpTestbed.Model.Sync;

/// <summary>
/// Every scheduling-point site in one numbering, for coverage: the access sites (<see cref="AccessSite"/>) first,
/// then the lock sites (<see cref="LockSite"/>: a lock, trylock or unlock is a scheduling point too, named for the
/// site that takes the lock).
/// </summary>
public static class PointSites
{
    public static int Count => AccessSites.Count + LockSites.Count;

    public static int Of(AccessSite site) => (int)site;

    public static int Of(LockSite site) => AccessSites.Count + (int)site;

    public static bool IsLockSite(int id) => id >= AccessSites.Count;

    public static LockSite LockSiteOf(int id) => (LockSite)(id - AccessSites.Count);

    /// <summary>The site's stable name: an access site's, or "lock:" and the kernel function that takes the lock.</summary>
    public static string Name(int id) =>
        IsLockSite(id) ? "lock:" + LockSites.KernelName(LockSiteOf(id)) : AccessSites.Name((AccessSite)id);
}
