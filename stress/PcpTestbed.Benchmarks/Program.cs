using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using PcpTestbed.Benchmarks.Scaling;
using PcpTestbed.Benchmarks.Suite;

namespace PcpTestbed.Benchmarks;

/// <summary>
/// The suite's entry point (see README.md):
/// <c>dotnet run --project stress/PcpTestbed.Benchmarks -c Release -- --filter '*'</c> runs every benchmark, then
/// the page-fault scaling measurement, and writes the targets table; <c>-- --dry</c> runs everything once, quickly,
/// for CI. Other BenchmarkDotNet arguments pass through (<c>--filter '*PcpHit*'</c>, <c>--list flat</c>).
/// <c>-- --scaling [--seconds S] [--repeats N]</c> runs only the scaling measurement;
/// <c>--no-scaling</c> leaves it out of a full run.
/// </summary>
public static class Program
{
    private const string ScalingZone = "1G";

    public static int Main(string[] args)
    {
        var rest = new List<string>(args);
        SuiteMode.Dry = Take(rest, "--dry");
        var scalingOnly = Take(rest, "--scaling");
        var noScaling = Take(rest, "--no-scaling");
        var seconds = TakeValue(rest, "--seconds", SuiteMode.Dry ? 0.3 : 5);
        var repeats = (int)TakeValue(rest, "--repeats", SuiteMode.Dry ? 1 : 7);
        var results = Path.Combine(Directory.GetCurrentDirectory(), "BenchmarkDotNet.Artifacts", "results");
        Directory.CreateDirectory(results);

        if (scalingOnly)
        {
            return RunScaling(seconds, repeats, results);
        }

        // Without a filter BenchmarkDotNet asks which benchmarks to run; the suite's default is all of them.
        if (!rest.Any(a => a is "--filter" or "-f" or "--list" or "--help" or "-h" or "--info"))
        {
            rest.AddRange(["--filter", "*"]);
        }

        var config = ManualConfig.Create(DefaultConfig.Instance)
            .AddColumn(StatisticColumn.Min, StatisticColumn.Median)
            .AddColumn(VsMainlineColumn.Instance)
            .WithOption(ConfigOptions.JoinSummary, false)
            .WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(48))

            // BenchmarkDotNet builds one boilerplate project over the whole solution graph; on a busy 2-core host that
            // takes longer than its 2-minute default.
            .WithBuildTimeout(TimeSpan.FromMinutes(20));

        var loadBefore = HostInfo.LoadAverage();
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run([.. rest], config).ToList();
        var loadAfter = HostInfo.LoadAverage();
        if (summaries.Count == 0)
        {
            return 0; // --list, --help, or a filter that matched nothing
        }

        var targets = TargetReport.Build(summaries, loadBefore, loadAfter);
        Console.WriteLine();
        Console.WriteLine("// ===== targets =====");
        Console.WriteLine(targets);
        File.WriteAllText(Path.Combine(results, "targets.md"), targets);

        var failed = Failed(summaries);
        if (!noScaling && (SuiteMode.Dry || rest.Contains("*")))
        {
            failed |= RunScaling(seconds, repeats, results) != 0;
        }

        return failed ? 1 : 0;
    }

    private static int RunScaling(double seconds, int repeats, string results)
    {
        var table = ScalingMeasurement.Run(TimeSpan.FromSeconds(seconds), repeats, ScalingZone, Console.Out);
        Console.WriteLine();
        Console.WriteLine("// ===== scaling =====");
        Console.WriteLine(table);
        File.WriteAllText(Path.Combine(results, "scaling.md"), table);
        return 0;
    }

    /// <summary>A benchmark that threw, or did not run, fails the suite: CI's dry run exists to catch exactly that.</summary>
    private static bool Failed(List<Summary> summaries)
    {
        var failed = false;
        foreach (var summary in summaries)
        {
            if (summary.HasCriticalValidationErrors)
            {
                Console.Error.WriteLine($"// {summary.Title}: critical validation errors");
                failed = true;
            }

            foreach (var report in summary.Reports.Where(r => !r.Success || r.ResultStatistics is null))
            {
                Console.Error.WriteLine($"// failed: {report.BenchmarkCase.DisplayInfo}");
                failed = true;
            }
        }

        return failed;
    }

    private static bool Take(List<string> args, string flag) => args.Remove(flag);

    private static double TakeValue(List<string> args, string option, double fallback)
    {
        var i = args.IndexOf(option);
        if (i < 0)
        {
            return fallback;
        }

        if (i + 1 >= args.Count || !double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value <= 0)
        {
            throw new ArgumentException($"{option} expects a positive number");
        }

        args.RemoveRange(i, 2);
        return value;
    }
}
