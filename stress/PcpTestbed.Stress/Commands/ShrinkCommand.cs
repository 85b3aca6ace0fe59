using System.CommandLine;
using PcpTestbed.Coyote;
using PcpTestbed.Coyote.Shrink;
using PcpTestbed.Stress.Cli;
using PcpTestbed.Stress.Output;
using PcpTestbed.Stress.Reports;
using Spectre.Console;

namespace PcpTestbed.Stress.Commands;

/// <summary>
/// `shrink TRACE` (also `explore --shrink TRACE`, issue 15): fewer operations and fewer context switches, the same violation
/// class; writes the smallest trace found with the counts before and after. Exit 0 when it wrote one, 2 for a bad or
/// non-reproducing trace.
/// </summary>
public static class ShrinkCommand
{
    public sealed record Request(string Path, string? OutputPath, string? JsonPath, bool Quiet, long? TimeBudgetSeconds = null, long? SearchBudgetSeconds = null);

    public static Command Create(StressConsole io)
    {
        var file = new Argument<string>("TRACE") { Description = "A trace file written by explore, explore --from-repro or shrink" };
        var output = new Option<string?>("--trace-out") { Description = "Write the shrunk trace here (default: NAME.shrunk.trace.json beside the input)", HelpName = "FILE" };
        var timeBudget = CommonOptions.Long("--time-budget", $"Stop trying candidates after this many seconds and write what was shrunk (default {ShrinkOptions.DefaultTimeBudget.TotalSeconds})",
            1, 1_000_000, "SECONDS");
        var searchBudget = CommonOptions.Long("--search-budget",
            $"Seconds the search for a failing schedule may take at each preemption bound for one candidate (default {ShrinkOptions.DefaultSearchBudget.TotalSeconds})", 1, 100_000, "SECONDS");
        var json = CommonOptions.JsonFile();
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress lines" };
        var command = new Command("shrink",
            "Shrink a failing trace: drop every operation whose removal keeps the same violation, then remove context switches (delta debugging over the schedule); " +
            "writes the smallest trace that still fails the same way, with operations, steps and preemptions before and after")
        {
            file, output, timeBudget, searchBudget, json, quiet,
        };
        command.SetAction(r =>
        {
            var outPath = r.GetValue(output);
            if (outPath != null)
            {
                OutputFiles.CheckWritable(outPath, "--trace-out");
            }

            var jsonPath = r.GetValue(json);
            if (jsonPath != null)
            {
                OutputFiles.CheckWritable(jsonPath, "--json");
            }

            return Run(io, new Request(r.GetValue(file)!, outPath, jsonPath, r.GetValue(quiet), r.GetValue(timeBudget), r.GetValue(searchBudget)));
        });
        return command;
    }

    public static int Run(StressConsole io, Request q)
    {
        ShrinkResult result;
        try
        {
            result = TraceShrinker.Shrink(new ShrinkOptions
            {
                Path = q.Path,
                OutputPath = q.OutputPath,
                TimeBudget = q.TimeBudgetSeconds is { } t ? TimeSpan.FromSeconds(t) : ShrinkOptions.DefaultTimeBudget,
                SearchBudget = q.SearchBudgetSeconds is { } s ? TimeSpan.FromSeconds(s) : ShrinkOptions.DefaultSearchBudget,
                Progress = q.Quiet ? null : line => io.Out.WriteLine($"  {line}"),
            });
        }
        catch (TraceFormatException e)
        {
            throw new UsageException(Values.OneLine(e.Message));
        }

        io.Out.WriteLine($"shrunk {q.Path} in {Fmt.F(result.Elapsed.TotalSeconds, 1)} s ({result.Candidates} candidates{(result.BudgetExhausted ? ", stopped by the time budget" : "")}):");
        io.Out.WriteLine($"  operations  {result.Before.Operations,6} -> {result.After.Operations}");
        io.Out.WriteLine($"  steps       {result.Before.Steps,6} -> {result.After.Steps}");
        io.Out.WriteLine($"  preemptions {result.Before.Preemptions,6} -> {result.After.Preemptions}");
        if (!result.Smaller)
        {
            io.Out.WriteLine("no smaller trace fails the same way: the output is a copy of the input");
        }

        io.Out.WriteLine($"violation: {result.Violation}");
        if (result.Skipped.Count > 0)
        {
            io.Out.WriteLine($"operations left out: {string.Join(", ", result.Skipped.Select(s => $"CPU {s.Cpu} #{s.Index}"))}");
        }

        io.Out.WriteLine($"trace: {result.OutputPath}");
        io.Out.WriteLine($"replay it with: replay {result.OutputPath}");
        if (q.JsonPath != null)
        {
            Json.Write(q.JsonPath, new ShrinkReport(result.Path, result.OutputPath, result.Violation, result.Invariant, result.Before, result.After, result.Skipped,
                result.Smaller, result.Candidates, result.Elapsed.TotalSeconds, result.BudgetExhausted));
            io.Out.WriteLine($"json: {q.JsonPath}");
        }

        return ExitCodes.Ok;
    }
}
