using System.CommandLine;
using PcpTestbed.Designs;
using PcpTestbed.Model;
using PcpTestbed.Model.Proc;
using PcpTestbed.Stress.Cli;
using PcpTestbed.Stress.Reports;
using Spectre.Console;

namespace PcpTestbed.Stress.Commands;

/// <summary>
/// `zone`: the parameters the kernel derives for a zone and a CPU count (watermarks, PCP batch and
/// high bounds, the highatomic cap), the zone's pageblocks and free pages; for a real zone, each
/// formula value beside what /proc shows.
/// </summary>
public static class ZoneCommand
{
    public const int DefaultCpus = 4;

    public static Command Create()
    {
        var size = CommonOptions.ZoneSize();
        var fromProc = CommonOptions.ZoneFromProc();
        var name = CommonOptions.ZoneName();
        var node = CommonOptions.Node();
        var cpus = CommonOptions.Int("--cpus", $"CPUs sharing the zone (default {DefaultCpus}; with --zone-from-proc, the pagesets /proc lists)",
            1, PageAllocator<Model.Sync.DirectExecution>.MaxCpus);
        var json = CommonOptions.JsonFile();
        var command = new Command("zone", "Print a zone's derived parameters (and, for a real zone, how they compare with /proc)")
        {
            size, fromProc, name, node, cpus, json,
        };
        command.SetAction(result =>
        {
            var source = CommonOptions.ResolveZone(result, size, fromProc, name, node);
            var cpuCount = result.GetValue(cpus) is { } c ? CommonOptions.Positive(c, "--cpus", PageAllocator<Model.Sync.DirectExecution>.MaxCpus) : (int?)null;
            var report = source.FromProc ? FromProc(source, cpuCount) : FromSpec(source, cpuCount ?? DefaultCpus);
            Print(report);
            if (result.GetValue(json) is { } path)
            {
                Json.Write(path, report);
            }

            return 0;
        });
        return command;
    }

    private static ZoneReport FromSpec(ZoneSource source, int cpus)
    {
        var (zone, build) = ZoneBuildCost.Measure(source.Build);
        var p = ZoneParameters.Derive(zone.ManagedPages, cpus);
        return Describe(zone, build, source, cpus, p.MinFreeKbytes, p.Watermarks, p.Pcp, null, []);
    }

    private static ZoneReport FromProc(ZoneSource source, int? cpus)
    {
        try
        {
            var snapshot = source.OpenProc().Read();
            var comparison = ProcFormulaCheck.Compare(snapshot, source.ZoneName, source.Node, cpus);
            var import = ProcZoneImporter.Import(snapshot, source.ZoneName, source.Node);
            var (zone, build) = ZoneBuildCost.Measure(import.BuildZone);
            var derived = comparison.Derived;
            var pcp = PcpSizing.Derive(zone.ManagedPages, derived?.Watermarks.Low ?? zone.Watermarks.Low, comparison.Cpus, comparison.PercpuPagelistHighFraction);
            var rows = comparison.Rows.Select(r => new ComparisonRow(r.Name, r.Formula, r.Proc, r.Outcome.ToString(), r.Note)).ToList();
            return Describe(zone, build, source, comparison.Cpus, comparison.MinFreeKbytes, derived?.Watermarks ?? zone.Watermarks, pcp, rows,
                [.. comparison.Notes, .. import.Notes]);
        }
        catch (ProcFormatException e)
        {
            throw new UsageException(e.Message);
        }
    }

    private static ZoneReport Describe(Zone zone, ZoneBuildCost build, ZoneSource source, int cpus, long minFreeKbytes, Watermarks wm, PcpSizing pcp,
        IReadOnlyList<ComparisonRow>? comparison, IReadOnlyList<string> notes)
    {
        var blocks = MigrateTypes.All().ToDictionary(
            mt => MigrateTypes.KernelName(mt).ToLowerInvariant(),
            mt => zone.Blocks.Count(b => b.MigrateType == mt));
        return new ZoneReport(
            zone.Name,
            source.Describe(),
            cpus,
            zone.ManagedPages,
            zone.PresentPages,
            zone.ReservedPages,
            minFreeKbytes,
            new WatermarkReport(wm.Min, wm.Low, wm.High, wm.Promo),
            new PcpReport(pcp.Batch, pcp.HighMin, pcp.HighMax),
            zone.HighatomicMaxPages,
            blocks,
            zone.NrFreePages,
            build,
            comparison,
            notes);
    }

    private static void Print(ZoneReport r)
    {
        var console = AnsiConsole.Console;
        console.MarkupLine($"[bold]zone {Markup.Escape(r.Zone)}[/] ({Markup.Escape(r.Source)}), {r.Cpus} CPUs");
        var t = new Table().Border(TableBorder.Rounded).AddColumn("parameter").AddColumn(new TableColumn("pages").RightAligned()).AddColumn("formula");
        t.AddRow("managed", r.ManagedPages.ToString(), $"present {r.PresentPages}, reserved {r.ReservedPages}");
        t.AddRow("min_free_kbytes", r.MinFreeKbytes.ToString(), "kB; int_sqrt(lowmem_kB * 16) clamped to 128..262144 unless /proc says otherwise");
        t.AddRow("min", r.Watermarks.Min.ToString(), "min_free_kbytes / 4 * managed / lowmem");
        t.AddRow("low", r.Watermarks.Low.ToString(), "min + max(min / 4, managed * scale_factor / 10000)");
        t.AddRow("high", r.Watermarks.High.ToString(), "low + the same delta");
        t.AddRow("promo", r.Watermarks.Promo.ToString(), "high + the same delta");
        t.AddRow("pcp batch", r.Pcp.Batch.ToString(), "rounddown_pow_of_two(1.5 * min(managed >> 10, 256) / 4) - 1");
        t.AddRow("pcp high_min", r.Pcp.HighMin.ToString(), "max(low / cpus, 4 * batch)");
        t.AddRow("pcp high_max", r.Pcp.HighMax.ToString(), "max(managed / 8 / cpus, 4 * batch)");
        t.AddRow("highatomic cap", r.HighatomicMaxPages.ToString(), "ALIGN(managed / 100, 512); 0 if managed / 100 < 512");
        t.AddRow("free pages", r.FreePages.ToString(), "NR_FREE_PAGES");
        console.Write(t);
        console.MarkupLine($"built in {r.Build.Seconds * 1000:F0} ms; {r.Build.BytesPerPage:F2} bytes of metadata per page (everything the build allocated / present pages)");
        console.MarkupLine("pageblocks: " + string.Join(", ", r.Pageblocks.Where(kv => kv.Value > 0).Select(kv => $"{kv.Key} {kv.Value}")));
        if (r.Comparison is { } rows)
        {
            var c = new Table().Border(TableBorder.Rounded).AddColumn("value").AddColumn(new TableColumn("formula").RightAligned())
                .AddColumn(new TableColumn("/proc").RightAligned()).AddColumn("outcome").AddColumn("note");
            foreach (var row in rows)
            {
                var outcome = row.Outcome == nameof(ProcComparisonOutcome.Agrees) ? "[green]agrees[/]"
                    : row.Outcome == nameof(ProcComparisonOutcome.Differs) ? "[red]differs[/]" : Markup.Escape(row.Outcome);
                c.AddRow(Markup.Escape(row.Name), row.Formula?.ToString() ?? "-", row.Proc?.ToString() ?? "-", outcome, Markup.Escape(row.Note));
            }

            console.Write(c);
        }

        foreach (var note in r.Notes)
        {
            console.MarkupLine($"note: {Markup.Escape(note)}");
        }
    }
}

public sealed record WatermarkReport(long Min, long Low, long High, long Promo);

public sealed record PcpReport(int Batch, int HighMin, int HighMax);

public sealed record ComparisonRow(string Name, long? Formula, long? Proc, string Outcome, string Note);

/// <summary>The `zone` verb's JSON.</summary>
public sealed record ZoneReport(
    string Zone,
    string Source,
    int Cpus,
    long ManagedPages,
    long PresentPages,
    long ReservedPages,
    long MinFreeKbytes,
    WatermarkReport Watermarks,
    PcpReport Pcp,
    long HighatomicMaxPages,
    IReadOnlyDictionary<string, int> Pageblocks,
    long FreePages,
    ZoneBuildCost Build,
    IReadOnlyList<ComparisonRow>? Comparison,
    IReadOnlyList<string> Notes);
