namespace PcpTestbed.Coyote;

/// <summary>
/// What an exploration's schedules covered, counted over the scheduled steps of every iteration (set-up runs
/// without scheduling points and is not counted).
/// </summary>
/// <param name="Sites">Every scheduling-point site reached, most reached first.</param>
/// <param name="Pairs">Sites seen adjacent on different CPUs, most seen first.</param>
/// <param name="Unreached">Every site of the site table (<see cref="Model.Sync.PointSites"/>) no iteration reached, in table order.</param>
/// <param name="Locks">Lock acquisitions by lock class and site.</param>
public sealed record CoverageReport(
    IReadOnlyList<SiteCount> Sites,
    IReadOnlyList<SitePairCount> Pairs,
    IReadOnlyList<string> Unreached,
    IReadOnlyList<LockSiteCount> Locks)
{
    public static CoverageReport Empty { get; } = new([], [], [], []);
}
