using PcpTestbed.Coyote.Dfs;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote;

/// <summary>
/// What a CPU is about to do at a scheduling point: the kind, and the location and access site of an access, or the
/// lock instance and lock site of a lock operation (the site that took the lock, for a release).
/// </summary>
internal readonly record struct PendingStep(
    PointKind Kind,
    SharedLocation Location = default,
    AccessSite Access = default,
    LockClass Class = LockClass.Zone,
    int Instance = 0,
    LockSite Site = LockSite.PcpAlloc)
{
    public static PendingStep Start => new(PointKind.Start);

    public static PendingStep OpBegin => new(PointKind.OpBegin);

    public static PendingStep OpEnd => new(PointKind.OpEnd);

    public static PendingStep OnLock(PointKind kind, LockClass c, int instance, LockSite site) => new(kind, Class: c, Instance: instance, Site: site);

    public static PendingStep OnLocation(PointKind kind, SharedLocation location, AccessSite site) => new(kind, location, site);

    public bool IsAccess => Kind is PointKind.Read or PointKind.Write or PointKind.CompareExchange or PointKind.Exchange;

    public bool IsLockOperation => Kind is PointKind.Lock or PointKind.TryLock or PointKind.LockElided or PointKind.Unlock or PointKind.UnlockElided
        or PointKind.AfterUnlock;

    /// <summary>The scheduling-point site (<see cref="PointSites"/>), or -1 for a start or an operation boundary.</summary>
    public int PointSite => IsAccess ? PointSites.Of(Access) : IsLockOperation ? PointSites.Of(Site) : -1;

    /// <summary>The site's stable name, or "" for a start or an operation boundary.</summary>
    public string SiteName => PointSite >= 0 ? PointSites.Name(PointSite) : "";

    /// <summary>The kind's name in a schedule ("lock", "read", "begin", ...).</summary>
    public string KindName => PointKinds.Name(Kind);

    /// <summary>
    /// The shared thing the step does, for our scheduler's partial-order reduction. An elided acquisition and its release
    /// count as operations on the lock, so two CPUs inside the same elided section are ordered against each other.
    /// </summary>
    public Footprint Footprint => Kind switch
    {
        PointKind.Read => Footprint.Read(Location),
        PointKind.Write or PointKind.CompareExchange or PointKind.Exchange => Footprint.Write(Location),
        PointKind.Lock or PointKind.TryLock or PointKind.LockElided or PointKind.Unlock or PointKind.UnlockElided => Footprint.Lock(Class, Instance),
        PointKind.OpBegin => Footprint.OpBegin,
        PointKind.OpEnd => Footprint.OpEnd,
        _ => Footprint.None,
    };
}
