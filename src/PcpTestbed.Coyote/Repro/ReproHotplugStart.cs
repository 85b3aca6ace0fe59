using PcpTestbed.Model.Layout;

namespace PcpTestbed.Coyote.Repro;

/// <summary>
/// The CPUs offline when a window began, from its hotplug events, when no snapshot says (<see cref="AllocatorSnapshot.Online"/>):
/// those whose first hotplug event is coming online (their death is older than the window). One rule for the builder's
/// merge (<see cref="ReproBuilder"/>, which keeps a dead CPU's operations out of its dead stretch) and the scenario's
/// rebuild (<see cref="ReproScenario"/>, which kills those CPUs in setup), so the rebuild starts from the state the merge
/// assumed: before, the merge kept CPU 0 online when every CPU looked offline and the rebuild the CPU whose online came
/// first in the file, and their first events were ordered two ways (by epoch and place, by the merge's sequence).
/// </summary>
internal static class ReproHotplugStart
{
    /// <summary>
    /// A death or online of <paramref name="Target"/> in the window of <paramref name="Driver"/>, the CPU that ran it: the
    /// epoch it ended in (<see cref="EndEpoch"/>) and its place in its CPU's window (its index over the window's length).
    /// </summary>
    internal readonly record struct Event(int Driver, int Target, bool Online, int Epoch, double Place);

    /// <summary>An operation that did not return has no epoch of its end: it sorts after everything of its CPU's epoch.</summary>
    public static int EndEpoch(int epoch, bool ended) => ended ? epoch : int.MaxValue - 1;

    /// <summary>
    /// Per CPU, whether it was offline at the window's start. Events are ordered by epoch, then by their place in their CPU's
    /// window (the rings' windows start at different moments: a busier CPU's wraps sooner), then as given. The run always
    /// kept a CPU online (FaultInjector.TakeOneOffline kills none of the last two), but that approximate order can make
    /// every CPU look offline; then the CPU that ran the first online stays online, as it was when it ran
    /// page_alloc_cpu_online() (it looks offline only because its own online, later, is in the window while its death is
    /// not). An online filed on its own target (run for it by the coordinator) names no other CPU: then its target stays
    /// online, offline for the shortest stretch of the window.
    /// </summary>
    public static bool[] Offline(int cpus, IEnumerable<Event> events)
    {
        var offline = new bool[cpus];
        Event? firstOnline = null;
        foreach (var first in events.Where(e => e.Target >= 0 && e.Target < cpus).OrderBy(e => e.Epoch).ThenBy(e => e.Place).GroupBy(e => e.Target).Select(g => g.First()))
        {
            offline[first.Target] = first.Online;
            firstOnline ??= first.Online ? first : null;
        }

        if (firstOnline is { } online && offline.All(o => o))
        {
            offline[online.Driver >= 0 && online.Driver < cpus ? online.Driver : online.Target] = false;
        }

        return offline;
    }
}
