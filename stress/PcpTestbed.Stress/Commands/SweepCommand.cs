using System.CommandLine;
using PcpTestbed.Designs;
using PcpTestbed.Stress.Cli;
using PcpTestbed.Stress.Output;
using PcpTestbed.Stress.Plots;
using PcpTestbed.Stress.Reports;
using PcpTestbed.Workloads.Kinds;
using PcpTestbed.Workloads.Run;
using Spectre.Console;

namespace PcpTestbed.Stress.Commands;

/// <summary>`sweep`: each design at each CPU count; a table of throughput and zone->lock figures, and the three-panel plot.</summary>
public static class SweepCommand
{
    public static readonly VerbDefaults Defaults = new()
    {
        Designs = [DesignKind.Mainline, DesignKind.Pageblock],
        ManyDesigns = true,
        Workload = WorkloadKind.Purge,
        Cpus = [1, 2, 4, 8],
        CpuList = true,
        Seconds = 1,
    };

    public static Command Create(StressConsole io)
    {
        var set = new RunOptionSet(Defaults);
        var command = new Command("sweep", "Run each design at each CPU count (--cpus 1,2,4,8) and show how throughput and zone->lock contention scale");
        set.AddTo(command);
        command.SetAction(r =>
        {
            var plan = set.Resolve(r);
            var cpus = plan.Cpus.OrderBy(c => c).ToList();
            var options = cpus.SelectMany(n => plan.Designs.Select(d => plan.For(d, n))).ToList();
            var runs = RunSeries.Execute(io, plan, options);
            foreach (var run in runs)
            {
                RunPrinter.Header(io.Out, run);
                RunPrinter.Summary(io.Out, run);
                if (plan.Format == OutputFormat.LockStat)
                {
                    RunPrinter.LockStatText(io, run);
                }
            }

            PrintTable(io.Out, runs);
            var report = new SweepReport(cpus, plan.Designs.Select(Designs.Designs.Name).ToList(), runs);
            if (plan.JsonPath is { } json)
            {
                Json.Write(json, report);
                io.Out.WriteLine($"json: {json}");
            }

            if (plan.PlotPath is { } plot)
            {
                SweepPlot.Save(plot, cpus, runs);
                io.Out.WriteLine($"plot: {plot}");
            }

            return runs.All(x => x.InvariantViolations == 0 && x.PagesLost == 0) ? ExitCodes.Ok : ExitCodes.Broken;
        });
        return command;
    }

    private static void PrintTable(IAnsiConsole c, IReadOnlyList<RunResult> runs)
    {
        var t = new Table().Border(TableBorder.Rounded).Title($"[bold]sweep[/]: times in {EngineLabels.Ns(EngineLabels.Virtual(runs))}")
            .AddColumn(new TableColumn("CPUs").RightAligned()).AddColumn("design");
        foreach (var h in (string[])["ops/s", "zone->lock contentions", "per 1M ops", "wait p99", "hold p99", "pcp trylock-fail", "violations", "lost"])
        {
            t.AddColumn(new TableColumn(h).RightAligned());
        }

        foreach (var r in runs)
        {
            var zone = Metrics.Lock(r, Metrics.ZoneLock);
            var pcp = Metrics.Lock(r, Metrics.PcpLock);
            var ops = r.Allocations + r.Frees;
            t.AddRow(
                r.Cpus.ToString(System.Globalization.CultureInfo.InvariantCulture) + (r.Host?.Oversubscribed == true ? "*" : ""),
                Markup.Escape(r.Design),
                Fmt.N(r.OpsPerSecond),
                zone == null ? "-" : Fmt.N(zone.Contentions),
                zone == null || ops == 0 ? "-" : Fmt.F(zone.Contentions * 1e6 / ops, 1),
                zone is { WaitNs.Count: > 0 } ? Fmt.N(zone.WaitNs.P99) : "-",
                zone is { HoldNs.Count: > 0 } ? Fmt.N(zone.HoldNs.P99) : "-",
                pcp == null ? "-" : Fmt.N(pcp.TrylockFailures),
                r.InvariantViolations.ToString(System.Globalization.CultureInfo.InvariantCulture),
                r.PagesLost.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        c.Write(t);
        if (runs.Any(r => r.Host?.Oversubscribed == true))
        {
            c.WriteLine($"*: oversubscribed, more CPU threads than the host's {runs.First(r => r.Host != null).Host!.Cores} cores (waits and holds include host scheduling)");
        }
    }
}
