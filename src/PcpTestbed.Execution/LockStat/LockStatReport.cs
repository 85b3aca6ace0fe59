using System.Text.Json.Serialization;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.LockStat;

/// <summary>
/// Lock statistics of a run, merged over CPUs: one <see cref="LockClassStats"/> per lock class, each with its
/// sites. A plain data model: System.Text.Json serializes it as is (camelCase names with
/// <c>JsonNamingPolicy.CamelCase</c>). <see cref="ToTable"/> and <see cref="ToProcLockStat"/> render it.
/// </summary>
/// <param name="HoldSampleInterval">Hold times were sampled on 1 in this many acquisitions (1: all, 0: none).</param>
/// <param name="ClockReadNs">The calibrated clock read cost subtracted from every measured interval.</param>
public sealed record LockStatReport(int CpuCount, int HoldSampleInterval, double ClockReadNs, IReadOnlyList<LockClassStats> Classes)
{
    /// <summary>
    /// The times are virtual: charged by the virtual-time engine from its cost model, not measured on the host.
    /// Written to JSON only when true, so host-time reports are unchanged.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool VirtualTime { get; init; }

    public LockClassStats Class(LockClass c)
    {
        var name = LockClasses.Name(c);
        return Classes.FirstOrDefault(x => x.Name == name)
            ?? throw new KeyNotFoundException($"no {name} in the report");
    }

    /// <summary>The row of one site of a class, or null when the site never touched the class.</summary>
    public LockSiteStats? Site(LockClass c, LockSite site) => Class(c).Site(LockSites.KernelName(site));

    /// <summary>A table per lock class: the class total, then every site; times in ns.</summary>
    public string ToTable() => LockStatFormat.Table(this);

    /// <summary>The layout of the kernel's /proc/lock_stat (version 0.4); times in µs.</summary>
    public string ToProcLockStat() => LockStatFormat.ProcLockStat(this);

    public override string ToString() => ToTable();
}
