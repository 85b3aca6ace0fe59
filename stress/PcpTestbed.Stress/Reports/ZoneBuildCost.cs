using System.Diagnostics;
using PcpTestbed.Model;

namespace PcpTestbed.Stress.Reports;

/// <summary>
/// What building a zone cost: wall time, and every managed byte the build allocated on this thread per present
/// page (the page and pageblock arrays, free-area heads, per-block counters: all of it, not a struct size).
/// </summary>
public sealed record ZoneBuildCost(double Seconds, long AllocatedBytes, double BytesPerPage)
{
    public static (Zone Zone, ZoneBuildCost Cost) Measure(Func<Zone> build)
    {
        var bytes = GC.GetAllocatedBytesForCurrentThread();
        var start = Stopwatch.GetTimestamp();
        var zone = build();
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var allocated = GC.GetAllocatedBytesForCurrentThread() - bytes;
        return (zone, new ZoneBuildCost(seconds, allocated, (double)allocated / zone.PresentPages));
    }
}
