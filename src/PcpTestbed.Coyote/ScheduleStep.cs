using System.Text.Json.Serialization;

namespace PcpTestbed.Coyote;

/// <summary>
/// One step of a schedule of our own scheduler ("dfs" engine), as a trace file stores it: the CPU picked, and the
/// point it stood at (kind: start, begin, end, read, write, cmpxchg, xchg, lock, trylock, unlock, lock-elided,
/// unlock-elided; site: the point site's stable name, as <see cref="Model.Sync.PointSites"/> names it, or "" for a start
/// or an operation boundary). A replay checks each step's kind and site against the code as it is now.
/// </summary>
public sealed record ScheduleStep(int Cpu, string Kind, string Site)
{
    /// <summary>"lock:rmqueue_pcplist (trylock, CPU 1)", "(begin, CPU 0)": how a divergence names the step.</summary>
    [JsonIgnore]
    public string Label => Divergence.Label(Site, Kind, Cpu);
}
