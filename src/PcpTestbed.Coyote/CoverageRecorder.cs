using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote;

/// <summary>
/// Counts, over an exploration, how often each scheduling-point site was reached, which sites followed each other on
/// different CPUs, and which lock sites took which lock class. A few array increments per step; iterations run one
/// after another, and the lock covers an interrupted iteration's threads unwinding.
/// </summary>
internal sealed class CoverageRecorder
{
    private static readonly int Sites = PointSites.Count;

    private readonly object _gate = new();
    private readonly long[] _sites = new long[Sites];
    private readonly long[] _pairs = new long[Sites * Sites];
    private readonly long[] _locks = new long[LockClasses.Count * LockSites.Count];
    private int _lastSite = -1;
    private int _lastCpu = -1;

    /// <summary>A new iteration: its first step follows nothing.</summary>
    public void BeginIteration()
    {
        lock (_gate)
        {
            _lastSite = -1;
            _lastCpu = -1;
        }
    }

    public void Note(in StepRecord step)
    {
        var site = step.PointSite;
        if (site < 0)
        {
            return;
        }

        lock (_gate)
        {
            _sites[site]++;
            if (step.Kind is StepKind.Lock or StepKind.TryLockTaken or StepKind.TryLockFailed or StepKind.LockElided)
            {
                _locks[(int)step.Class * LockSites.Count + (int)step.Site]++;
            }

            if (_lastSite >= 0 && _lastCpu != step.Cpu)
            {
                _pairs[_lastSite * Sites + site]++;
            }

            _lastSite = site;
            _lastCpu = step.Cpu;
        }
    }

    public CoverageReport Report()
    {
        lock (_gate)
        {
            var sites = Enumerable.Range(0, Sites).Where(s => _sites[s] > 0)
                .Select(s => new SiteCount(PointSites.Name(s), _sites[s]))
                .OrderByDescending(s => s.Count).ThenBy(s => s.Site, StringComparer.Ordinal).ToArray();
            var pairs = Enumerable.Range(0, _pairs.Length).Where(i => _pairs[i] > 0)
                .Select(i => new SitePairCount(PointSites.Name(i / Sites), PointSites.Name(i % Sites), _pairs[i]))
                .OrderByDescending(p => p.Count).ThenBy(p => p.First, StringComparer.Ordinal).ThenBy(p => p.Second, StringComparer.Ordinal).ToArray();
            var unreached = Enumerable.Range(0, Sites).Where(s => _sites[s] == 0).Select(PointSites.Name).ToArray();
            var locks = Enumerable.Range(0, _locks.Length).Where(i => _locks[i] > 0)
                .Select(i => new LockSiteCount(LockClasses.Name((LockClass)(i / LockSites.Count)), LockSites.KernelName((LockSite)(i % LockSites.Count)), _locks[i]))
                .ToArray();
            return new CoverageReport(sites, pairs, unreached, locks);
        }
    }
}
