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

    /// <summary>
    /// The points <paramref name="names"/> stand for, by <see cref="Name"/> (a name may stand for several: a kernel function
    /// taking a lock at two sites), or null with the first name that is no site's in <paramref name="unknown"/>. Read by the
    /// run's <c>--irq-site</c> (<c>InterruptSites</c>) and by a reproduction file's interrupts, which name the same sites.
    /// </summary>
    public static bool[]? Named(IEnumerable<string> names, out string? unknown)
    {
        ArgumentNullException.ThrowIfNull(names);
        var points = new bool[Count];
        foreach (var name in names)
        {
            var found = false;
            for (var id = 0; id < Count; id++)
            {
                if (string.Equals(Name(id), name, StringComparison.Ordinal))
                {
                    points[id] = true;
                    found = true;
                }
            }

            if (!found)
            {
                unknown = name;
                return null;
            }
        }

        unknown = null;
        return points;
    }
}
