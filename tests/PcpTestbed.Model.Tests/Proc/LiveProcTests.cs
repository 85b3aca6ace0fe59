using PcpTestbed.Model.Audit;
using PcpTestbed.Model.Proc;

namespace PcpTestbed.Model.Tests.Proc;

/// <summary>The running kernel as ground truth: its /proc must agree with the model's formulas and import cleanly.</summary>
public class LiveProcTests
{
    // Deferred struct page init can hand a zone more memory between two reads; a real formula
    // mismatch persists across re-reads, a race does not.
    private const int Attempts = 5;

    [LiveProcFact]
    public void The_live_kernels_lowmem_zones_agree_with_the_formulas()
    {
        var zoneinfo = ProcSource.Live().Read().Zoneinfo;
        var zones = zoneinfo.Zones.Where(z => z.Managed > 0 && ProcFormulaCheck.IsLowmem(z.Name)).ToList();
        Assert.NotEmpty(zones);
        var numa = zoneinfo.Zones.Select(z => z.Node).Distinct().Count() > 1;

        foreach (var zone in zones)
        {
            ProcFormulaComparison comparison = null!;
            for (var attempt = 0; attempt < Attempts; attempt++)
            {
                // zoneinfo lists every online CPU's pageset; the kernel splits high across the node's CPUs.
                comparison = ProcFormulaCheck.Compare(ProcSource.Live(), zone.Name, zone.Node, numa ? NodeCpus(zone.Node) : null);
                if (comparison.AllAgree)
                {
                    break;
                }
            }

            Assert.True(comparison.AllAgree,
                $"node {zone.Node} zone {zone.Name}: " + string.Join("; ", comparison.Rows.Select(r => $"{r.Name} formula {r.Formula} /proc {r.Proc} {r.Outcome}")));
        }
    }

    // /sys/devices/system/node/nodeN/cpulist: "0-3,8-11". A node without CPUs splits across all
    // online CPUs (zone_highsize()), which is what the pagesets listed already count: null.
    private static int? NodeCpus(int node)
    {
        var list = File.ReadAllText($"/sys/devices/system/node/node{node}/cpulist").Trim();
        var cpus = list.Split(',', StringSplitOptions.RemoveEmptyEntries).Sum(range =>
        {
            var ends = range.Split('-');
            return ends.Length == 1 ? 1 : int.Parse(ends[1]) - int.Parse(ends[0]) + 1;
        });
        return cpus > 0 ? cpus : null;
    }

    [LiveProcFact]
    public void The_live_normal_zone_imports_and_audits_clean()
    {
        var snapshot = ProcSource.Live().Read();
        if (snapshot.Zoneinfo.Find(0, "Normal") is not { Managed: > 0 })
        {
            return; // a machine with all its memory below 4 GiB has no Normal zone
        }

        if (snapshot.Pagetypeinfo.Find(0, "Normal") is { } rows && rows.NrPageblocks > ProcZoneImporter.MaxPageblocks)
        {
            return; // larger than the testbed's largest zone: the import rejects it by design
        }

        Zone? zone = null;
        ProcFormatException? last = null;
        for (var attempt = 0; attempt < Attempts && zone == null; attempt++)
        {
            try
            {
                zone = ProcZoneImporter.Import(ProcSource.Live()).BuildZone();
            }
            catch (ProcFormatException e)
            {
                last = e;
            }
        }

        Assert.True(zone != null, last?.Message);
        var report = ZoneAuditor.Audit(zone);
        Assert.True(report.IsClean, report.ToString());
    }
}
