using System.CommandLine;
using PcpTestbed.Designs;
using PcpTestbed.Stress.Cli;
using PcpTestbed.Stress.Output;
using PcpTestbed.Stress.Reports;
using PcpTestbed.Workloads.Kinds;
using PcpTestbed.Workloads.Run;
using Spectre.Console;

namespace PcpTestbed.Stress.Commands;

/// <summary>
/// `soak` (issue 9): a long mixed run on one design with more CPU threads than host cores and every fault on,
/// auditing on a schedule with a line per audit; ends with a verdict and exit 3 if anything broke.
/// </summary>
public static class SoakCommand
{
    public static readonly VerbDefaults Defaults = new()
    {
        Designs = [DesignKind.Pageblock],
        Workload = WorkloadKind.Mixed,
        Cpus = [32],
        Seconds = 60,
        Minutes = true,
        Plot = false,
        AllFaults = true,

        // A soak looks for races and lost pages: the allocator called back to back meets them most often.
        WorkScale = 0,
    };

    public static Command Create(StressConsole io)
    {
        var set = new RunOptionSet(Defaults);
        var command = new Command("soak",
            "Soak one design: a mixed workload for a long time (default 60 s, 32 CPU threads, every fault on), a line per audit, and a verdict: " +
            "exit 0 only with zero violations and zero pages lost");
        set.AddTo(command);
        command.SetAction(r =>
        {
            var plan = set.Resolve(r);
            var options = plan.For(plan.Designs[0], plan.Cpus[0]);
            if (options.Cpus <= Environment.ProcessorCount)
            {
                io.Out.WriteLine($"note: {options.Cpus} CPU threads on {Environment.ProcessorCount} host cores is not oversubscribed; a soak is meant to be");
            }

            var log = new List<SoakAudit>();
            RunResult run;
            try
            {
                run = RunSeries.Execute(io, plan, [options], (display, _, a) =>
                {
                    log.Add(new SoakAudit(a.Index, a.At.TotalSeconds, a.Census.FreePages, a.Census.PcpPages, a.Census.AllocatedPages, a.HeldPages, a.PagesLost, a.ViolationCount));
                    display.Line(AuditLine(a));
                })[0];
            }
            catch (BrokenRunException e)
            {
                if (plan.JsonPath is { } brokenJson)
                {
                    var partial = new SoakReport(false, log.Count, log.Sum(a => a.Violations + (a.PagesLost != 0 ? 1 : 0)), log.LastOrDefault()?.PagesLost ?? 0, log, null)
                    {
                        Broken = e.Broken,
                    };
                    Json.Write(brokenJson, partial);
                    io.Out.WriteLine($"json: {brokenJson}");
                }

                if (!e.Broken.DesignFailure)
                {
                    // A fault of the testbed: exit 1 with the internal-error line.
                    throw;
                }

                io.Out.WriteLine($"soak: FAILED after {log.Count} audits: the run broke: {Values.OneLine(e.Message)}");
                return ExitCodes.Broken;
            }

            RunPrinter.Print(io, run, plan.Format);
            var passed = run.InvariantViolations == 0 && run.PagesLost == 0;
            var report = new SoakReport(passed, run.Audits, run.InvariantViolations, run.PagesLost, log, run);
            if (plan.JsonPath is { } json)
            {
                Json.Write(json, report);
                io.Out.WriteLine($"json: {json}");
            }

            io.Out.WriteLine(
                $"soak: {run.Design}, {run.Workload}, {(run.Host is { } host ? $"{run.Cpus} CPU threads on {host.Cores} cores" : $"{run.Cpus} CPUs in virtual time")}, {Fmt.F(run.Seconds, 1)} {(run.Engine.VirtualTime ? "virtual " : "")}s, faults {(run.Faults.Count == 0 ? "none" : string.Join(", ", run.Faults))}: " +
                $"{run.Audits} audits, {run.InvariantViolations} violations, {run.PagesLost} pages lost: {(passed ? "PASSED" : "FAILED")}");
            return passed ? ExitCodes.Ok : ExitCodes.Broken;
        });
        return command;
    }

    private static string AuditLine(AuditRecord a)
    {
        var verdict = a.IsClean ? "ok" : $"BROKEN: {(a.Violations.Count > 0 ? Values.OneLine(a.Violations[0]) : "")}";
        return $"audit {a.Index,3} at {Fmt.F(a.At.TotalSeconds, 1),7} s: free {Fmt.N(a.Census.FreePages)}, on PCPs {Fmt.N(a.Census.PcpPages)}, " +
               $"allocated {Fmt.N(a.Census.AllocatedPages)} (held {Fmt.N(a.HeldPages)}), lost {a.PagesLost}, violations {a.ViolationCount}: {verdict}";
    }
}
