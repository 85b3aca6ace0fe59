using PcpTestbed.Model;
using PcpTestbed.Workloads.Observe;
using PcpTestbed.Workloads.Run;
using Spectre.Console;

namespace PcpTestbed.Stress.Output;

/// <summary>
/// A run's vmstat counters, its sampled free pages by migratetype (pagetypeinfo over time, summarised) and, on a zone
/// with CMA, the CMA percentages the RFC's review asked for.
/// </summary>
public static class FreePagesPrinter
{
    public static void Print(IAnsiConsole c, RunResult r)
    {
        if (r.Vmstat is { } v)
        {
            c.WriteLine($"vmstat: pgalloc {Fmt.N(v.Pgalloc)} pages ({ByType(v.PgallocByMigratetype)}, by requested type); " +
                        $"pgfree {Fmt.N(v.Pgfree)} ({ByType(v.PgfreeByMigratetype)}, by block type)");
            var t = new Table().Border(TableBorder.Simple).Title("zone counters (pages; min and max over the samples)")
                .AddColumn("counter").AddColumn(new TableColumn("start").RightAligned()).AddColumn(new TableColumn("min").RightAligned())
                .AddColumn(new TableColumn("max").RightAligned()).AddColumn(new TableColumn("end").RightAligned());
            foreach (var (name, range) in (ReadOnlySpan<(string, CounterRange)>)[("nr_free_pages", v.NrFreePages), ("nr_free_cma", v.NrFreeCma),
                         ("nr_free_highatomic", v.NrFreeHighatomic), ("nr_reserved_highatomic", v.NrReservedHighatomic)])
            {
                t.AddRow(name, Fmt.N(range.Start), Fmt.N(range.Min), Fmt.N(range.Max), Fmt.N(range.End));
            }

            c.Write(t);
        }

        if (r.FreePages is { Samples.Count: > 0 } f)
        {
            var t = new Table().Border(TableBorder.Simple)
                .Title($"free pages by migratetype ({f.Samples.Count} samples, every {Fmt.F(f.KeptIntervalSeconds * 1000, 0)} ms, read without zone->lock)")
                .AddColumn("migratetype").AddColumn(new TableColumn("start").RightAligned()).AddColumn(new TableColumn("min").RightAligned())
                .AddColumn(new TableColumn("mean").RightAligned()).AddColumn(new TableColumn("max").RightAligned()).AddColumn(new TableColumn("end").RightAligned());
            foreach (var (mt, s) in f.ByMigratetype.Where(kv => kv.Value.Max > 0))
            {
                t.AddRow(mt, Fmt.N(s.Start), Fmt.N(s.Min), Fmt.N(s.Mean), Fmt.N(s.Max), Fmt.N(s.End));
            }

            c.Write(t);
        }

        if (r.Cma is { } cma && Reports.Metrics.HasCma(r))
        {
            c.WriteLine(Describe(cma));
        }
    }

    public static string Describe(CmaReport cma)
    {
        var share = cma.FreeShareMean is { } mean
            ? $"free CMA was {Pct(mean)} of free pages on average over the samples (min {Pct(cma.FreeShareMin)}, max {Pct(cma.FreeShareMax)})"
            : "no sample had free pages";
        var served = cma.MovableAllocationsWhileCmaOverHalf == 0
            ? "no movable allocation was made while free CMA exceeded half of free pages"
            : $"{Fmt.N(cma.MovableAllocationsWhileCmaOverHalf)} movable allocations were made while free CMA exceeded half of free pages, " +
              $"{Fmt.N(cma.FromCmaBlocks)} ({Pct(cma.FromCmaShare)}) of them from CMA blocks";
        return $"CMA (the RFC review's question): {share}; {served}";
    }

    public static string Pct(double? fraction) => fraction is { } f ? Fmt.F(f * 100, 1) + "%" : "-";

    private static string ByType(IReadOnlyDictionary<string, long> pages)
    {
        var parts = pages.Where(kv => kv.Value != 0).OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {Fmt.N(kv.Value)}").ToList();
        return parts.Count == 0 ? "none" : string.Join(", ", parts);
    }
}
