using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using PcpTestbed.Designs;
using PcpTestbed.Execution.Locking;
using PcpTestbed.Execution.Virtual;
using PcpTestbed.Execution.Virtual.Calibration;
using PcpTestbed.Model;
using PcpTestbed.Model.Layout;
using PcpTestbed.Stress.Cli;
using PcpTestbed.Stress.Output;
using PcpTestbed.Stress.Reports;
using Spectre.Console;

namespace PcpTestbed.Stress.Commands;

/// <summary>
/// `calibrate`: measures the host-dependent constants of the virtual-time engine's cost model on this machine
/// (<see cref="CostCalibrator"/>) and writes them as a cost-model file. A few seconds.
/// </summary>
public static class CalibrateCommand
{
    public const int DefaultRounds = 40;

    public static Command Create(StressConsole io)
    {
        var output = new Option<string?>("--out")
        {
            Description = "Write the cost model to FILE (JSON, formatVersion 1: what the virtual-time engine loads)",
            HelpName = "FILE",
        };
        var json = CommonOptions.JsonFile();
        var rounds = CommonOptions.Int("--rounds", $"Runs of each loop; each constant is the fastest (default {DefaultRounds})", 1, 1000);
        var command = new Command("calibrate", "Measure the virtual-time engine's cost model on this machine (lock, trylock, cmpxchg, list operations, buddy steps, cache-line transfer) and write it to a file")
        {
            output, json, rounds,
        };
        command.SetAction(r =>
        {
            var outPath = r.GetValue(output);
            var jsonPath = r.GetValue(json);
            foreach (var (path, option) in new[] { (outPath, "--out"), (jsonPath, "--json") })
            {
                if (path != null)
                {
                    OutputFiles.CheckWritable(path, option);
                }
            }

            var n = r.GetValue(rounds) ?? DefaultRounds;
            var result = CostCalibrator.Measure(new CalibrationOptions(Rounds: n, AllocFreePair: AllocFreePairLoop()));
            Print(io.Out, result);
            if (outPath != null)
            {
                CostModelFile.Write(outPath, result.Model);
                io.Out.WriteLine($"cost model: {outPath}");
            }

            if (jsonPath != null)
            {
                using var doc = JsonDocument.Parse(CostModelFile.ToJson(result.Model));
                Json.Write(jsonPath, new CalibrateReport(result.Host, n, result.Measurements, result.Notes, doc.RootElement.Clone()));
                io.Out.WriteLine($"json: {jsonPath}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// Mainline on OS threads with recording and lockdep off, as the benchmark suite measures it (PcpHitBenchmarks): CPU 0
    /// allocates an order-0 page and frees it, so after the first refill every pair hits the warm PCP.
    /// </summary>
    private static Func<int, double> AllocFreePairLoop()
    {
        var zone = ZoneBuilder.Build(ZoneSpec.OfBytes(64L << 20));
        var allocator = AllocatorFactory.Create(DesignKind.Mainline, zone, new AllocatorConfig { Cpus = 2, Lockdep = false },
            new OsExecution<NoLockProbe>(default));
        return n =>
        {
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < n; i++)
            {
                var page = allocator.Allocate(0, Gfp.HighUserMovable, 0);
                allocator.Free(0, page.Pfn, 0);
            }

            return Stopwatch.GetElapsedTime(start).TotalNanoseconds / n;
        };
    }

    private static void Print(IAnsiConsole c, CalibrationResult r)
    {
        c.MarkupLine($"[bold]calibrate[/] on {Markup.Escape(r.Host)}: the fastest run of each loop, ns per operation");
        var m = new Table().Border(TableBorder.Rounded).AddColumn("loop").AddColumn(new TableColumn("ns").RightAligned()).AddColumn("one operation");
        foreach (var x in r.Measurements)
        {
            m.AddRow(Markup.Escape(x.Name), Fmt.F(x.Ns, 2), Markup.Escape(x.Operation));
        }

        c.Write(m);
        var t = new Table().Border(TableBorder.Rounded).Title("[bold]cost model[/]").AddColumn("constant")
            .AddColumn(new TableColumn("value").RightAligned()).AddColumn("unit");
        foreach (var k in CostConstants.All)
        {
            var info = CostConstants.Info(k);
            t.AddRow(Markup.Escape(info.Path), Fmt.F(r.Model[k], 2), info.Unit);
        }

        c.Write(t);
        foreach (var note in r.Notes)
        {
            c.MarkupLine($"note: {Markup.Escape(note)}");
        }
    }
}
