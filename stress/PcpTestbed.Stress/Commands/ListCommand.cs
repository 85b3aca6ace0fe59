using System.CommandLine;
using PcpTestbed.Coyote;
using PcpTestbed.Designs;
using PcpTestbed.Stress.Cli;
using PcpTestbed.Stress.Reports;
using PcpTestbed.Workloads.Kinds;
using Spectre.Console;

namespace PcpTestbed.Stress.Commands;

/// <summary>`list`: the designs, workloads, highatomic variants, Coyote scenarios, injected bugs, strategies and faults.</summary>
public static class ListCommand
{
    public static Command Create(StressConsole io)
    {
        var json = CommonOptions.JsonFile();
        var command = new Command("list", "List the designs, workloads, highatomic variants, Coyote scenarios, injected bugs, strategies and faults") { json };
        command.SetAction(r =>
        {
            var jsonPath = r.GetValue(json);
            if (jsonPath != null)
            {
                OutputFiles.CheckWritable(jsonPath, "--json");
            }

            var report = Build();
            Print(io.Out, report);
            if (jsonPath != null)
            {
                Json.Write(jsonPath, report);
                io.Out.WriteLine($"json: {jsonPath}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static ListReport Build() => new(
        Designs.Designs.All.Select(d => new NamedItem(Designs.Designs.Name(d), Designs.Designs.Description(d))).ToList(),
        WorkloadKinds.All.Select(w => new NamedItem(WorkloadKinds.Name(w), WorkloadKinds.Description(w))).ToList(),
        Catalog.ScenarioInfos,
        Catalog.Bugs,
        HighatomicVariants.All.Select(v => new NamedItem(HighatomicVariants.Name(v), HighatomicVariants.Description(v))).ToList(),
        SchedulingStrategies.All.Select(SchedulingStrategies.Name).ToList(),
        FaultKinds.All.Select(FaultKinds.Name).ToList());

    private static void Print(IAnsiConsole c, ListReport r)
    {
        Named(c, "designs", r.Designs);
        Named(c, "workloads", r.Workloads);
        Named(c, "highatomic variants (--highatomic)", r.HighatomicVariants);
        var s = new Table().Border(TableBorder.Simple).Title("Coyote scenarios (explore --scenario)")
            .AddColumn("name").AddColumn("designs").AddColumn(new TableColumn("CPUs").RightAligned()).AddColumn("zone").AddColumn("what races");
        foreach (var x in r.Scenarios)
        {
            s.AddRow(Markup.Escape(x.Name), Markup.Escape(string.Join(", ", x.Designs)), x.Cpus.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Markup.Escape(x.Zone), Markup.Escape(x.Description));
        }

        c.Write(s);
        var b = new Table().Border(TableBorder.Simple).Title("injected bugs (explore --bug)")
            .AddColumn("name").AddColumn("scenario").AddColumn("design").AddColumn("the mistake");
        foreach (var x in r.Bugs)
        {
            b.AddRow(Markup.Escape(x.Name), Markup.Escape(x.Scenario), Markup.Escape(x.Design), Markup.Escape(x.Description));
        }

        c.Write(b);
        c.WriteLine($"strategies (explore --strategy): {string.Join(", ", r.Strategies)}");
        c.WriteLine($"faults (--faults): {string.Join(", ", r.Faults)}, all, none");
    }

    private static void Named(IAnsiConsole c, string title, IReadOnlyList<NamedItem> items)
    {
        var t = new Table().Border(TableBorder.Simple).Title(title).AddColumn("name").AddColumn("description");
        foreach (var i in items)
        {
            t.AddRow(Markup.Escape(i.Name), Markup.Escape(i.Description));
        }

        c.Write(t);
    }
}
