using System.Globalization;
using System.Text;
using BenchmarkDotNet.Reports;
using PcpTestbed.Benchmarks.Benchmarks;
using PcpTestbed.Benchmarks.Rigs;
using PcpTestbed.Designs;

namespace PcpTestbed.Benchmarks.Suite;

/// <summary>
/// The issue's targets as ratios of minima (see <see cref="SuiteJobs.HotPath"/>) across the run's summaries (BenchmarkDotNet computes ratios within a
/// class only): the order-0 pair against the floor, recording on against off, 64 GiB against 1 GiB, plus the
/// informative ratios (ArrayPool against the floor, remote against local free). Printed and written as markdown.
/// </summary>
public static class TargetReport
{
    public const double FloorTarget = 4.0;
    public const double RecordingTarget = 1.5;
    public const double ZoneSizeTarget = 1.2;

    /// <summary>Issue 15: the flight recorder on, against the same pair without it, at most 5 % slower.</summary>
    public const double FlightRecorderTarget = 1.05;

    /// <summary>The virtual engine at 64 CPUs: at least 1 M simulated allocator calls per host second, at most 1000 host ns per call.</summary>
    public const double VirtualCallNsTarget = 1000;

    public static string Build(IReadOnlyList<Summary> summaries, string loadBefore, string loadAfter)
    {
        var reports = summaries.SelectMany(s => s.Reports).Where(r => r.ResultStatistics is not null).ToList();
        double? Min(Type type, string method, params (string Name, object Value)[] parameters)
        {
            var r = reports.FirstOrDefault(r =>
                r.BenchmarkCase.Descriptor.Type == type &&
                r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method &&
                parameters.All(p => Equals(r.BenchmarkCase.Parameters[p.Name], p.Value)));
            return r?.ResultStatistics?.Min;
        }

        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Date: {HostInfo.Now()}. Machine: {HostInfo.Machine()}.");
        sb.AppendLine(CultureInfo.InvariantCulture, $"Load average (1/5/15 min) before: {loadBefore}; after: {loadAfter}. Lockdep off in every measured allocator.");
        if (SuiteMode.Dry)
        {
            sb.AppendLine("DRY RUN: one invocation each, timings are meaningless.");
        }

        sb.AppendLine();
        sb.AppendLine("| target | design | measured (min ns) | ratio | target | verdict |");
        sb.AppendLine("|---|---|---|---:|---:|---|");

        var floor = Min(typeof(BaselineBenchmarks), nameof(BaselineBenchmarks.Floor));
        foreach (var design in Enum.GetValues<DesignKind>())
        {
            var d = (VsMainlineColumn.DesignParameter, (object)design);
            var off = Min(typeof(PcpHitBenchmarks), nameof(PcpHitBenchmarks.Pair), d, ("Recording", LockRecording.Off), ("Order", 0));
            var on = Min(typeof(PcpHitBenchmarks), nameof(PcpHitBenchmarks.Pair), d, ("Recording", LockRecording.On), ("Order", 0));
            var small = Min(typeof(ZoneSizeBenchmarks), nameof(ZoneSizeBenchmarks.Order0Pair), d, ("ZoneGiB", 1));
            var large = Min(typeof(ZoneSizeBenchmarks), nameof(ZoneSizeBenchmarks.Order0Pair), d, ("ZoneGiB", 64));
            var name = Designs.Designs.Name(design);
            Row(sb, "order-0 pair, PCP hit, recording off / floor", name, off, floor, FloorTarget);
            Row(sb, "order-0 pair, recording on / off", name, on, off, RecordingTarget);
            Row(sb, "order-0 pair, 64 GiB / 1 GiB zone", name, large, small, ZoneSizeTarget);
            Row(sb, "order-0 pair, flight recorder on / off (run's CPU activity notes in both)", name,
                Min(typeof(FlightRecorderBenchmarks), nameof(FlightRecorderBenchmarks.Pair), d, ("Recorder", true)),
                Min(typeof(FlightRecorderBenchmarks), nameof(FlightRecorderBenchmarks.Pair), d, ("Recorder", false)), FlightRecorderTarget);
        }

        foreach (var design in Enum.GetValues<DesignKind>())
        {
            var call = Min(typeof(VirtualEngineBenchmarks), nameof(VirtualEngineBenchmarks.Run), (VsMainlineColumn.DesignParameter, design),
                ("Cpus", VirtualEngineBenchmarks.TargetCpus));
            VirtualRow(sb, Designs.Designs.Name(design), call);
        }

        sb.AppendLine();
        sb.AppendLine("| informative | measured (min ns) | ratio |");
        sb.AppendLine("|---|---|---:|");
        Info(sb, "floor (TTAS lock + array pop, TTAS lock + array push)", floor, null);
        Info(sb, "ArrayPool<byte>.Shared Rent(4096)+Return, one thread / floor", Min(typeof(BaselineBenchmarks), nameof(BaselineBenchmarks.ArrayPoolLocal)), floor);
        Info(sb, "ArrayPool<byte>.Shared Rent(4096), Return on another thread / floor",
            Min(typeof(BaselineBenchmarks), nameof(BaselineBenchmarks.ArrayPoolRemoteReturn)), floor);
        foreach (var design in Enum.GetValues<DesignKind>())
        {
            foreach (var recording in Enum.GetValues<LockRecording>())
            {
                var p = new[] { (VsMainlineColumn.DesignParameter, (object)design), ("Recording", (object)recording) };
                Info(sb, $"{Designs.Designs.Name(design)}, recording {recording}: remote pair / local pair",
                    Min(typeof(RemoteFreeBenchmarks), nameof(RemoteFreeBenchmarks.RemotePair), p),
                    Min(typeof(RemoteFreeBenchmarks), nameof(RemoteFreeBenchmarks.LocalPair), p));
            }
        }

        var explorations = reports.Where(r => r.BenchmarkCase.Descriptor.Type == typeof(CoyoteExplorationBenchmarks)).ToList();
        if (explorations.Count != 0)
        {
            sb.AppendLine();
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| Coyote scenario/design ({CoyoteExplorationBenchmarks.IterationsPerRun} iterations per exploration, portfolio, seed 1) | iterations/s (from the median) |");
            sb.AppendLine("|---|---:|");
            foreach (var r in explorations.OrderBy(r => r.BenchmarkCase.Parameters["Case"]?.ToString(), StringComparer.Ordinal))
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"| {r.BenchmarkCase.Parameters["Case"]} | {1e9 / r.ResultStatistics!.Median:0} |");
            }
        }

        return sb.ToString();
    }

    private static void Row(StringBuilder sb, string target, string design, double? measured, double? against, double limit)
    {
        if (measured is not { } m || against is not { } a || a <= 0)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {target} | {design} | not run | - | {limit:0.0#}x | - |");
            return;
        }

        var ratio = m / a;
        var verdict = SuiteMode.Dry ? "dry" : ratio <= limit ? "pass" : $"miss by {(ratio / limit - 1) * 100:0}%";
        sb.AppendLine(CultureInfo.InvariantCulture, $"| {target} | {design} | {m:0.0} / {a:0.0} | {ratio:0.00}x | {limit:0.0#}x | {verdict} |");
    }

    /// <summary>
    /// The virtual engine's target: host ns per simulated allocator call at 64 CPUs against 1000 ns (1 M calls per host
    /// second), with the calls per second it gives.
    /// </summary>
    private static void VirtualRow(StringBuilder sb, string design, double? callNs)
    {
        const string target = "virtual engine, 64 CPUs: host ns per simulated allocator call (1000 ns = 1 M calls/s)";
        if (callNs is not { } ns || ns <= 0)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {target} | {design} | not run | - | {VirtualCallNsTarget:0} ns | - |");
            return;
        }

        var verdict = SuiteMode.Dry ? "dry" : ns <= VirtualCallNsTarget ? "pass" : $"miss by {(ns / VirtualCallNsTarget - 1) * 100:0}%";
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"| {target} | {design} | {ns:0.0} ({1e9 / ns / 1e6:0.00} M calls/s) | {ns / VirtualCallNsTarget:0.00}x | {VirtualCallNsTarget:0} ns | {verdict} |");
    }

    private static void Info(StringBuilder sb, string what, double? measured, double? against)
    {
        if (measured is not { } m)
        {
            return;
        }

        var ratio = against is { } a && a > 0 ? (m / a).ToString("0.00'x'", CultureInfo.InvariantCulture) : "-";
        var value = against is { } b ? $"{m:0.0} / {b:0.0}" : $"{m:0.0}";
        sb.AppendLine(CultureInfo.InvariantCulture, $"| {what} | {value} | {ratio} |");
    }
}
