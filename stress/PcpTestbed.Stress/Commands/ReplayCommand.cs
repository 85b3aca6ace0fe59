using System.CommandLine;
using PcpTestbed.Coyote;
using PcpTestbed.Stress.Cli;
using PcpTestbed.Stress.Output;
using PcpTestbed.Stress.Reports;
using Spectre.Console;

namespace PcpTestbed.Stress.Commands;

/// <summary>
/// `replay FILE`: re-runs an explore trace (Coyote's or our scheduler's); exit 0 when the recorded violation comes back,
/// 3 when it does not, and 3 with "the code changed since this trace: diverged at step K (...)" when a replayed step is
/// not at the recorded point.
/// </summary>
public static class ReplayCommand
{
    private const int ShownSteps = 40;

    public static Command Create(StressConsole io)
    {
        var file = new Argument<string>("FILE") { Description = "A trace file written by explore" };
        var json = CommonOptions.JsonFile();
        var allSteps = new Option<bool>("--steps") { Description = "Print every step of the iteration, setup's included, as a table (instead of the story)" };
        var command = new Command("replay",
            "Replay a trace file from explore or shrink: the same scenario, design, bugs and schedule; tells the story (each CPU's steps, the kernel function and " +
            "lock or access site of each, the preemptions marked) and whether the violation is reproduced")
        {
            file, json, allSteps,
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
                             $"with {(result.Engine == TraceFile.DfsEngine ? "our scheduler's schedule" : "Coyote's trace")} in {Fmt.F(result.Elapsed.TotalSeconds, 2)} s");
            if (result.SiteTableChanged && result.Divergence == null)
            {
                io.Out.WriteLine($"note: the scheduling-point site table changed since this trace was recorded (fingerprint {result.RecordedSiteTable?.Fingerprint}, " +
                                 $"{result.RecordedSiteTable?.Sites} sites; now {SiteTable.Current.Fingerprint}, {SiteTable.Current.Sites} sites), but every recorded step came back");
            }

            io.Out.WriteLine($"recorded:  {result.ExpectedViolation}");
            if (result.Divergence is { } divergence)
            {
                io.Out.WriteLine($"replayed:  {divergence.Message}");
            }
            else
            {
                io.Out.WriteLine($"replayed:  {result.Violation ?? "(no violation: the iteration ran clean)"}");
            }

            if (r.GetValue(allSteps))
            {
                ExploreCommand.StepTable(io.Out, result.Steps, int.MaxValue);
            }
            else if (result.Divergence != null)
            {
                ExploreCommand.StepTable(io.Out, result.Steps, ShownSteps);
            }
            else
            {
                StoryPrinter.Print(io.Out, result.Steps, result.SetupSteps);
            }

            io.Out.MarkupLine(result.Reproduced ? "[green]reproduced[/]" : result.Divergence != null ? "[red]not reproduced: the code changed since this trace[/]" : "[red]not reproduced[/]");
            if (jsonPath != null)
            {
                Json.Write(jsonPath, new ReplayReport(path, result.Engine, result.Scenario, result.Design, result.Bugs, result.Reproduced, result.Violation,
                    result.ExpectedViolation, result.Divergence?.Message, result.Divergence?.Step, result.SiteTableChanged, result.Elapsed.TotalSeconds, result.Steps));
                io.Out.WriteLine($"json: {jsonPath}");
            }

            return result.Reproduced ? ExitCodes.Ok : ExitCodes.Broken;
        });
        return command;
    }
}
