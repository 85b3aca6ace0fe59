using System.CommandLine;
using PcpTestbed.Coyote;
using PcpTestbed.Stress.Cli;
using PcpTestbed.Stress.Output;
using PcpTestbed.Stress.Reports;
using Spectre.Console;

namespace PcpTestbed.Stress.Commands;

/// <summary>`replay FILE`: re-runs an explore trace; exit 0 when the recorded violation comes back, 3 when it does not.</summary>
public static class ReplayCommand
{
    private const int ShownSteps = 40;

    public static Command Create(StressConsole io)
    {
        var file = new Argument<string>("FILE") { Description = "A trace file written by explore" };
        var json = CommonOptions.JsonFile();
        var command = new Command("replay", "Replay a trace file from explore: the same scenario, design, bugs and schedule; reports whether the violation is reproduced")
        {
            file, json,
        };
        command.SetAction(r =>
        {
            var path = r.GetValue(file)!;
            var jsonPath = r.GetValue(json);
            if (jsonPath != null)
            {
                OutputFiles.CheckWritable(jsonPath, "--json");
            }

            ReplayResult result;
            try
            {
                result = Replayer.Replay(path);
            }
            catch (TraceFormatException e)
            {
                throw new UsageException(Values.OneLine(e.Message));
            }

            io.Out.WriteLine($"replayed {result.Scenario} on {result.Design} ({(result.Bugs.Count == 0 ? "no injected bugs" : "bugs " + string.Join(", ", result.Bugs))}) " +
                             $"in {Fmt.F(result.Elapsed.TotalSeconds, 2)} s");
            io.Out.WriteLine($"recorded:  {result.ExpectedViolation}");
            io.Out.WriteLine($"replayed:  {result.Violation ?? "(no violation: the iteration ran clean)"}");
            ExploreCommand.StepTable(io.Out, result.Steps, ShownSteps);
            io.Out.MarkupLine(result.Reproduced ? "[green]reproduced[/]" : "[red]not reproduced[/]");
            if (jsonPath != null)
            {
                Json.Write(jsonPath, new ReplayReport(path, result.Scenario, result.Design, result.Bugs, result.Reproduced, result.Violation,
                    result.ExpectedViolation, result.Elapsed.TotalSeconds, result.Steps));
                io.Out.WriteLine($"json: {jsonPath}");
            }

            return result.Reproduced ? ExitCodes.Ok : ExitCodes.Broken;
        });
        return command;
    }
}
