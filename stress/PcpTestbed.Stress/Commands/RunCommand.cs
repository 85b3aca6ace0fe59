using System.CommandLine;
using PcpTestbed.Designs;
using PcpTestbed.Stress.Cli;
using PcpTestbed.Stress.Output;
using PcpTestbed.Stress.Plots;
using PcpTestbed.Workloads.Kinds;
using PcpTestbed.Workloads.Run;
using Spectre.Console;

namespace PcpTestbed.Stress.Commands;

/// <summary>`run`: one design on one workload; prints the report, writes the RunResult as JSON and the histograms as a plot.</summary>
public static class RunCommand
{
    public static readonly VerbDefaults Defaults = new()
    {
        Designs = [DesignKind.Mainline],
        Workload = WorkloadKind.Purge,
        Cpus = [4],
        Seconds = 3,
    };

    public static Command Create(StressConsole io)
    {
        var set = new RunOptionSet(Defaults);
        var command = new Command("run", "Run one design on one workload: throughput, audits and lock statistics per lock class and call site");
        set.AddTo(command);
        command.SetAction(r =>
        {
            var plan = set.Resolve(r);
            RunResult result;
            try
            {
                result = RunSeries.Execute(io, plan, [plan.For(plan.Designs[0], plan.Cpus[0])])[0];
            }
            catch (BrokenRunException e) when (plan.JsonPath is { } brokenJson)
            {
                // The JSON says what broke, then the failure takes its usual way out (exit 3 or 1).
                Json.Write(brokenJson, e.Broken);
                io.Out.WriteLine($"json: {brokenJson}");
                throw;
            }

            RunPrinter.Print(io, result, plan.Format);
            if (plan.JsonPath is { } json)
            {
                Json.Write(json, result);
                io.Out.WriteLine($"json: {json}");
            }

            if (plan.PlotPath is { } plot)
            {
                HistogramPlot.Save(plot, [result]);
                io.Out.WriteLine($"plot: {plot}");
            }

            if (plan.PlotFreePath is { } plotFree)
            {
                FreePagesPlot.Save(plotFree, [result]);
                io.Out.WriteLine($"plot: {plotFree}");
            }

            return result.InvariantViolations == 0 && result.PagesLost == 0 ? ExitCodes.Ok : ExitCodes.Broken;
        });
        return command;
    }
}
