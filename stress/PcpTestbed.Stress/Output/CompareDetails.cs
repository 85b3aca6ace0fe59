using PcpTestbed.Stress.Reports;
using PcpTestbed.Workloads.Run;
using Spectre.Console;

namespace PcpTestbed.Stress.Output;

/// <summary>
/// compare's side-by-side details below the ratios: what the failed trylocks collided with, per design, and on a
/// zone with CMA the percentages the RFC's review asked for.
/// </summary>
public static class CompareDetails
{
    /// <summary>The most (failing site, holder site) rows the collision table shows.</summary>
    public const int MaxCollisionRows = 12;

    public static void Print(IAnsiConsole c, IReadOnlyList<RunResult> runs)
    {
        Collisions(c, runs);
        Cma(c, runs);
    }

    private static void Collisions(IAnsiConsole c, IReadOnlyList<RunResult> runs)
    {
        var rows = runs.SelectMany(r => r.Locks.SelectMany(l => l.Sites.SelectMany(s => s.TrylockCollisions.Select(x => (Class: l.Name, Site: s.Name, x.Holder)))))
            .Distinct()
            .Select(k => (Key: k, Counts: runs.Select(r => Count(r, k.Class, k.Site, k.Holder)).ToList()))
            .OrderByDescending(x => x.Counts.Max(v => v.PerThousand ?? 0))
            .ToList();
        if (rows.Count == 0)
        {
            return;
        }

        var t = new Table().Border(TableBorder.Simple)
            .Title("failed trylocks by the site holding the lock: count (per 1k ops)")
            .AddColumn("lock: failing site <- holder site");
        foreach (var run in runs)
        {
            t.AddColumn(new TableColumn(Markup.Escape(run.Design)).RightAligned());
        }

        foreach (var (key, counts) in rows.Take(MaxCollisionRows))
        {
            t.AddRow([Markup.Escape($"{key.Class}: {key.Site} <- {key.Holder}"), .. counts.Select(v => v.Count == 0 ? "-" : $"{Fmt.N(v.Count)} ({Fmt.F(v.PerThousand ?? 0, 2)})")]);
        }

        c.Write(t);
        if (rows.Count > MaxCollisionRows)
        {
            c.WriteLine($"  ... {rows.Count - MaxCollisionRows} more pairs in each run's table and JSON (locks[].sites[].trylockCollisions)");
        }
    }

    private static (long Count, double? PerThousand) Count(RunResult r, string lockClass, string site, string holder)
    {
        var count = Metrics.Lock(r, lockClass)?.Site(site)?.TrylockCollisions.FirstOrDefault(x => x.Holder == holder)?.Count ?? 0;
        return (count, Metrics.PerThousandOps(r, count));
    }

    private static void Cma(IAnsiConsole c, IReadOnlyList<RunResult> runs)
    {
        if (!runs.Any(Metrics.HasCma))
        {
            return;
        }

        var t = new Table().Border(TableBorder.Simple).Title("CMA (the RFC review's question: \"checked the percentages?\")").AddColumn("");
        foreach (var run in runs)
        {
            t.AddColumn(new TableColumn(Markup.Escape(run.Design)).RightAligned());
        }

        void Row(string label, Func<Workloads.Observe.CmaReport, string> value) =>
            t.AddRow([Markup.Escape(label), .. runs.Select(r => r.Cma is { } cma ? value(cma) : "-")]);

        Row("free CMA / free pages, mean over samples", x => FreePagesPrinter.Pct(x.FreeShareMean));
        Row("  min", x => FreePagesPrinter.Pct(x.FreeShareMin));
        Row("  max", x => FreePagesPrinter.Pct(x.FreeShareMax));
        Row("movable allocations while free CMA > half of free", x => Fmt.N(x.MovableAllocationsWhileCmaOverHalf));
        Row("  of them from CMA blocks", x => Fmt.N(x.FromCmaBlocks));
        Row("  share from CMA blocks", x => FreePagesPrinter.Pct(x.FromCmaShare));
        c.Write(t);
    }
}
