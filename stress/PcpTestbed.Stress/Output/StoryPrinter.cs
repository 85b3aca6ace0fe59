using System.Globalization;
using PcpTestbed.Coyote;
using PcpTestbed.Coyote.Shrink;
using Spectre.Console;

namespace PcpTestbed.Stress.Output;

/// <summary>
/// A failing iteration as a story: the scripts' steps (setup runs alone and is summed up in one line) in one column per
/// CPU, each cell the step's event and its kernel function or access site, an operation named where it begins, and every
/// preemption marked (a step of another CPU while the one before could have gone on).
/// </summary>
internal static class StoryPrinter
{
    public static void Print(IAnsiConsole c, IReadOnlyList<TraceStep> steps, int setupSteps)
    {
        var script = steps.Skip(setupSteps).Where(s => s.Kind != "quiescent").ToArray();
        var counts = StepCounts.Of(steps, setupSteps);
        c.WriteLine($"setup: {setupSteps} steps, run alone before the CPUs start (replay --steps lists them)");
        if (script.Length == 0)
        {
            c.WriteLine("no step after setup: the violation is in setup");
            return;
        }

        var cpus = script.Select(s => s.Cpu).Distinct().Order().ToArray();
        var preempts = new HashSet<int>(StepCounts.PreemptionSteps(script));
        var table = new Table().Border(TableBorder.Simple)
            .Title($"the story: {counts.Operations} operations, {counts.Steps} steps, {counts.Preemptions} preemption{(counts.Preemptions == 1 ? "" : "s")} (» marks one)")
            .AddColumn(new TableColumn("step").RightAligned()).AddColumn("");
        foreach (var cpu in cpus)
        {
            table.AddColumn($"CPU {cpu}");
        }

        for (var i = 0; i < script.Length; i++)
        {
            var s = script[i];
            var row = new List<string> { s.Step.ToString(CultureInfo.InvariantCulture), preempts.Contains(i) ? "[red]»[/]" : "" };
            foreach (var cpu in cpus)
            {
                row.Add(cpu == s.Cpu ? Markup.Escape(Cell(s)) : "");
            }

            table.AddRow(row.ToArray());
        }

        c.Write(table);
    }

    private static string Cell(TraceStep s)
    {
        if (s.Kind == "begin")
        {
            return $"{s.Operation} begins";
        }

        return s.Site.Length > 0 ? $"{s.Event} @ {s.Site}" : s.Event;
    }
}
