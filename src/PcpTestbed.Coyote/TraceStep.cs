using System.Text.Json.Serialization;

namespace PcpTestbed.Coyote;

/// <summary>
/// One step of a failing iteration, as a trace file prints it: which CPU, inside which operation, did what,
/// at which kernel call site.
/// </summary>
/// <param name="Step">1-based position in the iteration.</param>
/// <param name="Cpu">The emulated CPU.</param>
/// <param name="Operation">The operation the CPU was in, e.g. "free(pfn 0x10, order 0)".</param>
/// <param name="Event">What happened, e.g. "trylock pcp->lock#0 failed (held by CPU 2)".</param>
/// <param name="Site">The kernel function of a lock step, the access site of a read, write or atomic (<see cref="Model.Sync.AccessSites"/>), else empty.</param>
public sealed record TraceStep(int Step, int Cpu, string Operation, string Event, string Site)
{
    /// <summary>The event's first word: begin, end, lock, wait, trylock, unlock, read, write, cmpxchg, xchg, quiescent.</summary>
    [JsonIgnore]
    public string Kind => Event.IndexOf(' ', StringComparison.Ordinal) is var space and > 0 ? Event[..space] : Event;

    /// <summary>How a divergence names the step: its site, kind and CPU.</summary>
    [JsonIgnore]
    public string Label => Divergence.Label(Site, Kind, Cpu);

    /// <summary>Whether <paramref name="other"/> is at the same point: the same CPU, kind and site (outcomes may differ).</summary>
    public bool SamePoint(TraceStep other) => Cpu == other.Cpu && Kind == other.Kind && Site == other.Site;
}
