using System.Text.RegularExpressions;

namespace PcpTestbed.Stress.Tests;

/// <summary>
/// docs/issue15/row.sh measures a workflow row's rate on new files (the figures in ReproWorkflowTests' comments and the README
/// come from it): it must run each row with the options the test runs it with, or those figures measure another run.
/// </summary>
public partial class ReproRowScriptTests
{
    private static readonly string Script = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "row.sh"));

    [Fact]
    public void The_row_script_runs_every_workflow_row_with_the_tests_options_and_defaults()
    {
        var block = Script[Script.IndexOf("# row-options begin", StringComparison.Ordinal)..Script.IndexOf("# row-options end", StringComparison.Ordinal)];
        var variables = VariableLine().Matches(block).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        var script = CaseLine().Matches(block).ToDictionary(
            m => m.Groups[1].Value,
            m => Regex.Replace(m.Groups[2].Value, @"\$(\w+)", v => variables[v.Groups[1].Value]).Split(' ', StringSplitOptions.RemoveEmptyEntries));

        var rows = ReproWorkflowTests.Bugs.Concat(ReproWorkflowTests.RunOnlyBugs)
            .ToDictionary(
                r => (string)r[0],
                r => new[] { "--design", (string)r[1], "--workload", (string)r[2], "--cpus", $"{r[3]}" }.Concat((string[])r[4]).ToArray());

        Assert.Equal(rows.Keys.Order(), script.Keys.Order());
        foreach (var (bug, options) in rows)
        {
            Assert.True(options.SequenceEqual(script[bug]), $"{bug}: the test runs `{string.Join(' ', options)}`, row.sh `{string.Join(' ', script[bug])}`");
        }

        Assert.Equal(ReproWorkflowTests.RunDefaults, variables["DEFAULTS"].Split(' '));
    }

    [GeneratedRegex(@"^([A-Z]+)=""([^""]*)""$", RegexOptions.Multiline)]
    private static partial Regex VariableLine();

    [GeneratedRegex(@"^\s+([a-z0-9-]+)\) O=""([^""]*)"";;$", RegexOptions.Multiline)]
    private static partial Regex CaseLine();
}
