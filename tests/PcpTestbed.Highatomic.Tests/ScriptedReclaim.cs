using PcpTestbed.Designs;
using PcpTestbed.Model;

namespace PcpTestbed.Highatomic.Tests;

/// <summary>
/// Direct reclaim that frees nothing but reports the progress a script gives, call by call, and records
/// the reserve's size at each call, so a test can see what the slow path did between rounds.
/// </summary>
internal sealed class ScriptedReclaim(Func<int, long> progressOfCall, long reclaimablePages = long.MaxValue / 4) : IReclaimHooks
{
    private readonly List<long> _reservedAtCall = [];

    /// <summary>The zone whose nr_reserved_highatomic each call records (set once the zone exists).</summary>
    public Zone? Zone { get; set; }

    /// <summary>nr_reserved_highatomic when each direct reclaim call ran.</summary>
    public IReadOnlyList<long> ReservedAtCall => _reservedAtCall;

    public int Calls => _reservedAtCall.Count;

    public void WakeKswapd(int cpu)
    {
    }

    /// <summary>What reclaim could still free: plenty by default, so only rounds without progress end the retries.</summary>
    public long ReclaimablePages() => reclaimablePages;

    public long DirectReclaim(int cpu, int order)
    {
        _reservedAtCall.Add(Zone?.NrReservedHighatomic ?? -1);
        return progressOfCall(_reservedAtCall.Count);
    }
}
