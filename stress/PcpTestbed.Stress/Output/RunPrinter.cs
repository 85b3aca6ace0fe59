using PcpTestbed.Execution.LockStat;
using PcpTestbed.Stress.Cli;
using PcpTestbed.Workloads.Run;
using Spectre.Console;

namespace PcpTestbed.Stress.Output;

/// <summary>
/// The human report of one run: a header, the summary line, the lock tables (or /proc/lock_stat), the
/// pageblock refill phases, remote frees, sources by migratetype and the highatomic statistics.
/// </summary>
public static class RunPrinter
{
    public static void Print(StressConsole io, RunResult r, OutputFormat format)
    {
        var c = io.Out;
        Header(c, r);
        Summary(c, r);
        if (format == OutputFormat.LockStat)
        {
            LockStatText(io, r);
        }
        else
        {
            LockTables(c, r);
        }

        Refill(c, r);
        RemoteFrees(c, r);
        Sources(c, r);
        Highatomic(c, r);
        FreePagesPrinter.Print(c, r);
        Extras(c, r);
        c.WriteLine();
    }

    public static void Header(IAnsiConsole c, RunResult r)
    {
        var limit = $"{Fmt.F(r.Seconds)} s";
        c.Write(new Rule($"[bold]{Markup.Escape(r.Design)}[/] · {Markup.Escape(r.Workload)} · {r.Cpus} CPUs · {limit}").LeftJustified());
        var parts = new List<string>
        {
            $"zone {r.Zone}",
            $"seed {r.Seed}",
            $"highatomic {r.HighatomicVariant}",
        };
        if (r.Pressure)
        {
            parts.Add($"memory pressure (kswapd on CPU {r.KswapdCpu})");
        }

        if (r.RefillWithinHigh)
        {
            parts.Add("refill within high");
        }

        if (r.UnchunkedPcpFree)
        {
            parts.Add("unchunked pcp free (before 6.19)");
        }

        parts.Add(r.WorkScale == 0 ? "no kernel work (--work-scale 0)" : $"kernel work ×{r.WorkScale.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)}");
        parts.Add(r.FreeBatch == 1 ? "single frees (--free-batch 1)" : $"free batch {r.FreeBatch}");

        if (r.Faults.Count > 0)
        {
            parts.Add("faults " + string.Join(", ", r.Faults));
        }

        if (r.Host?.Pinned == true)
        {
            parts.Add("pinned");
        }

        c.WriteLine(string.Join(" · ", parts));
        foreach (var note in r.Sizes?.Notes ?? [])
        {
            c.MarkupLine($"[yellow]size:[/] {Markup.Escape(note)}");
        }

        var threads = r.Cpus + (r.KswapdCpu != null ? 1 : 0);
        if (EngineLabels.Describe(r) is { } engine)
        {
            c.WriteLine(engine);
        }

        if (r.Host is { Oversubscribed: true } host)
        {
            c.MarkupLine($"[yellow]oversubscribed: {threads} CPU threads on {host.Cores} host cores[/] (lock waits and holds include host scheduling)");
        }
    }

    /// <summary>The summary line: throughput, the allocator's calls, what is held, and the audits.</summary>
    public static void Summary(IAnsiConsole c, RunResult r)
    {
        var audit = r.InvariantViolations == 0 && r.PagesLost == 0 ? "[green]" : "[red]";
        c.MarkupLine(
            $"[bold]{Fmt.N(r.OpsPerSecond)} ops/s[/]: {Fmt.N(r.Allocations)} allocations, {Fmt.N(r.Frees)} frees, {Fmt.N(r.Failures)} failures; " +
            $"{Fmt.N(r.HeldPages)} pages held at the end; {audit}{r.Audits} audits, {r.InvariantViolations} violations, {r.PagesLost} pages lost[/]");
        foreach (var v in r.Violations.Take(5))
        {
            c.MarkupLine($"[red]violation:[/] {Markup.Escape(v)}");
        }

        if (r.Lockdep is { } lockdep)
        {
            var order = lockdep.Order.Count == 0
                ? "no lock taken inside another"
                : string.Join("; ", lockdep.Order.Select(e => $"{e.Outer} at {e.OuterSite} -> {e.Inner} at {e.InnerSite} ({Fmt.N(e.Count)})"));
            c.WriteLine($"lockdep: {Fmt.N(lockdep.Reports)} reports; lock order: {order}");
        }
    }

    public static void LockTables(IAnsiConsole c, RunResult r)
    {
        if (!r.LockStat.Recorded)
        {
            c.WriteLine("lock statistics: not recorded (--no-lock-stat)");
            return;
        }

        var sampling = r.LockStat.HoldSampleInterval switch
        {
            0 => "hold times not sampled",
            1 => "every hold timed",
            var n => $"hold times sampled on 1 in {n} acquisitions (n: samples)",
        };
        foreach (var cls in r.Locks)
        {
            var title = r.Engine.VirtualTime
                ? $"[bold]{Markup.Escape(cls.Name)}[/]: times in virtual ns, {sampling}"
                : $"[bold]{Markup.Escape(cls.Name)}[/]: times in ns, {sampling}, clock read {Fmt.F(r.LockStat.ClockReadNs, 1)} ns subtracted";
            var rows = new List<string[]> { Row("(all)", cls.Acquisitions, cls.Contentions, cls.TrylockFailures, cls.Bounces, cls.WaitNs, cls.HoldNs) };
            rows.AddRange(cls.Sites.OrderByDescending(s => s.Acquisitions + s.TrylockFailures)
                .Select(s => Row(s.Name, s.Acquisitions, s.Contentions, s.TrylockFailures, s.Bounces, s.WaitNs, s.HoldNs)));
            if (Width(LockColumns, rows) <= c.Profile.Width)
            {
                c.Write(LockTable(title, LockColumns, rows));
            }
            else
            {
                // A narrow terminal: the counts, then the times, each on its own table rather than wrapped cells.
                c.Write(LockTable(title, LockColumns[..5], rows.Select(x => x[..5]).ToList()));
                c.Write(LockTable($"[bold]{Markup.Escape(cls.Name)}[/] times (ns)", [LockColumns[0], .. LockColumns[5..]], rows.Select(x => (string[])[x[0], .. x[5..]]).ToList()));
            }

            LockDutyPrinter.Print(c, cls);
        }

        c.WriteLine("wait: contended acquisitions, first failed attempt to acquisition; hold: acquisition to release; bounces: acquired by another CPU than the last holder");
        c.WriteLine(r.Engine.VirtualTime
            ? "duty: hold time / the run's virtual time, which includes the kernel work charged between allocator calls (--work-scale); every time is virtual (the cost model's)"
            : "duty: estimated hold time / the run's wall time, which includes the kernel work charged between allocator calls (--work-scale), the runner's own work and audit pauses");
        if (r.Engine.Approximation is { } approx)
        {
            c.WriteLine("virtual engine: " + string.Join("; ", approx.Where(a => a.Acquisitions > 0).Select(a =>
                $"{a.Lock} {Fmt.N(a.OutOfOrderGrants)} out-of-order grants, {Fmt.N(a.DeferredTrylocks)} deferred trylocks ({Fmt.F(a.ApproximatedShare * 100, 2)}% of {Fmt.N(a.Acquisitions)} acquisitions approximated)")));
        }
    }

    /// <summary>/proc/lock_stat's layout, written as plain text: its lines are wider than any console and must not wrap.</summary>
    public static void LockStatText(StressConsole io, RunResult r)
    {
        if (!r.LockStat.Recorded)
        {
            io.Out.WriteLine("lock statistics: not recorded (--no-lock-stat)");
            return;
        }

        io.Text.Write(ToLockStatReport(r).ToProcLockStat());
        io.Text.Flush();
    }

    /// <summary>The run's lock statistics as the execution layer's report (for its renderers).</summary>
    public static LockStatReport ToLockStatReport(RunResult r) =>
        new(r.Cpus + (r.KswapdCpu != null ? 1 : 0), r.LockStat.HoldSampleInterval, r.LockStat.ClockReadNs, r.Locks);

    private static readonly string[] LockColumns =
        ["site", "acquisitions", "contentions", "trylock-fail", "bounces", "", "n", "min", "mean", "p50", "p99", "p99.9", "max"];

    /// <summary>A site's two lines, wait then hold, joined by a newline in each cell.</summary>
    private static string[] Row(string site, long acq, long cont, long tryFail, long bounces, LockTimeStats wait, LockTimeStats hold)
    {
        var w = Times(wait);
        var h = Times(hold);
        return [site, Fmt.I(acq), Fmt.I(cont), Fmt.I(tryFail), Fmt.I(bounces), "wait\nhold", .. w.Zip(h, (a, b) => $"{a}\n{b}")];
    }

    private static string[] Times(LockTimeStats s) => s.Count == 0
        ? ["0", "-", "-", "-", "-", "-", "-"]
        : [Fmt.I(s.Count), Fmt.I(s.Min), Fmt.I((long)Math.Round(s.Mean)), Fmt.I(s.P50), Fmt.I(s.P99), Fmt.I(s.P999), Fmt.I(s.Max)];

    /// <summary>The columns a table needs: the widest line of each column, cell padding and separators.</summary>
    private static int Width(string[] columns, List<string[]> rows) =>
        columns.Select((h, i) => rows.Select(r => r[i].Split('\n').Max(l => l.Length)).Append(h.Length).Max() + 3).Sum() + 2;

    private static Table LockTable(string title, string[] columns, List<string[]> rows)
    {
        var t = new Table().Border(TableBorder.Simple).Title(title);
        t.AddColumn(new TableColumn(columns[0]).NoWrap());
        foreach (var h in columns.Skip(1))
        {
            t.AddColumn(new TableColumn(h).RightAligned().NoWrap());
        }

        for (var i = 0; i < rows.Count; i++)
        {
            var cells = rows[i].Select(Markup.Escape).ToArray();
            if (i == 0)
            {
                cells[0] = $"[bold]{cells[0]}[/]";
            }

            t.AddRow(cells);
        }

        return t;
    }

    private static void Refill(IAnsiConsole c, RunResult r)
    {
        var f = r.Refill;
        if (!Designs.Designs.TryParse(r.Design, out var kind) || !Designs.Designs.IsPageblock(kind))
        {
            c.WriteLine($"refills: {Fmt.N(f.Refills)} (rmqueue_bulk under one zone->lock hold)");
            return;
        }

        var t = new Table().Border(TableBorder.Simple).Title($"refill phases ({Fmt.N(f.Refills)} refills; a refill may use several phases)")
            .AddColumn("phase").AddColumn(new TableColumn("refills").RightAligned()).AddColumn(new TableColumn("pages").RightAligned()).AddColumn("what it does");
        t.AddRow("P0", Fmt.N(f.P0), Fmt.N(f.PagesP0), "recover fragments of blocks this CPU owns from the zone buddy");
        t.AddRow("P1", Fmt.N(f.P1), Fmt.N(f.PagesP1), "claim whole free pageblocks");
        t.AddRow("P2", Fmt.N(f.P2), Fmt.N(f.PagesP2), "take sub-pageblock chunks without stealing");
        t.AddRow("P3", Fmt.N(f.P3), Fmt.N(f.PagesP3), "__rmqueue() with fallback, as mainline");
        c.Write(t);
    }

    private static void RemoteFrees(IAnsiConsole c, RunResult r)
    {
        if (!Designs.Designs.TryParse(r.Design, out var kind) || !Designs.Designs.IsPageblock(kind))
        {
            return;
        }

        c.WriteLine($"remote frees: {Fmt.N(r.RemoteFrees)} routed to the owner CPU's PCP ({Fmt.Percent(r.RemoteFrees, r.Frees)} of frees); " +
                    $"{Fmt.N(r.RemoteFreeFallbacks)} found the owner's pcp->lock taken and went to the zone");
    }

    private static void Sources(IAnsiConsole c, RunResult r)
    {
        var total = r.Sources.Values.Sum();
        var parts = r.Sources.Where(kv => kv.Value > 0).OrderByDescending(kv => kv.Value)
            .Select(kv => $"{kv.Key} {Fmt.N(kv.Value)} ({Fmt.Percent(kv.Value, total)})");
        c.WriteLine($"sources (pages served, by their block's migratetype): {(total == 0 ? "none" : string.Join(", ", parts))}");
    }

    private static void Highatomic(IAnsiConsole c, RunResult r)
    {
        var h = r.Highatomic;
        var active = h.ReservedMax > 0 || h.ReserveEvents > 0 || h.FastpathHits > 0 || h.Misses > 0 || h.OrderZeroFallbacks > 0;
        if (!active)
        {
            c.WriteLine($"highatomic: no reserve and no high-order atomic traffic (cap {Fmt.N(h.CapPages)} pages)");
            return;
        }

        var t = new Table().Border(TableBorder.Simple).Title($"highatomic ({r.HighatomicVariant})")
            .AddColumn("reserved pages: start → end (max)").AddColumn(new TableColumn("cap").RightAligned())
            .AddColumn(new TableColumn("reserve").RightAligned()).AddColumn(new TableColumn("unreserve").RightAligned())
            .AddColumn(new TableColumn("fast-path hits").RightAligned()).AddColumn(new TableColumn("misses").RightAligned())
            .AddColumn(new TableColumn("order-0 fallbacks").RightAligned());
        t.AddRow($"{Fmt.N(h.ReservedStart)} → {Fmt.N(h.ReservedPages)} ({Fmt.N(h.ReservedMax)})", Fmt.N(h.CapPages), Fmt.N(h.ReserveEvents),
            Fmt.N(h.UnreserveEvents), Fmt.N(h.FastpathHits), Fmt.N(h.Misses), Fmt.N(h.OrderZeroFallbacks));
        c.Write(t);
        c.WriteLine("  reserved: pages in MIGRATE_HIGHATOMIC blocks; cap: the most the zone may reserve (1% of it, in whole blocks)");
        c.WriteLine("  reserve/unreserve: blocks moved into/out of the reserve; fast-path hits: high-order atomic allocations the reserve served");
        c.WriteLine("  misses: atomic requests served elsewhere while the reserve had a free chunk that fit (the reserve sat idle)");
        c.WriteLine("  order-0 fallbacks: udp receives that fell back to order 0 after their order (1, or --rx-order) failed");
    }

    private static void Extras(IAnsiConsole c, RunResult r)
    {
        if (r.Work is { } w && w.Scale > 0)
        {
            var charged = w.Charged.Where(kv => kv.Value.Count > 0).ToList();
            var totalNs = charged.Sum(kv => kv.Value.Ns);
            var cpuNs = r.Seconds * r.Cpus * 1e9;
            c.WriteLine($"kernel work charged: {string.Join(", ", charged.Select(kv => $"{kv.Key} {Fmt.N(kv.Value.Count)} × {Fmt.N(w.ChargesNs[kv.Key])} ns"))}; " +
                        $"{Fmt.F(totalNs / 1e9, 2)} s in all, {Fmt.Percent((long)(totalNs / 1000), (long)(cpuNs / 1000))} of the CPUs' run time");
        }


        if (r.Reclaim is { } rc)
        {
            c.WriteLine($"reclaim: {Fmt.N(rc.KswapdWakeups)} kswapd wakeups, {Fmt.N(rc.KswapdReclaimedPages)} pages by kswapd, {Fmt.N(rc.DirectReclaimedPages)} by direct reclaim");
        }

        if (r.FaultEvents is { } f)
        {
            c.WriteLine($"faults: {f.Offlines} CPU offlines, {f.Onlines} onlines, {f.Exhaustions} exhaustions ({Fmt.N(f.HogPages)} pages taken), drain storm {f.DrainStormPercent}% of steps");
        }
    }
}
