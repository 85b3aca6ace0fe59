using System.Diagnostics;
using System.Globalization;
using System.Text;
using PcpTestbed.Benchmarks.Suite;
using PcpTestbed.Designs;
using PcpTestbed.Model;
using PcpTestbed.Model.Layout;
using PcpTestbed.Workloads.Kinds;
using PcpTestbed.Workloads.Run;

namespace PcpTestbed.Benchmarks.Scaling;

/// <summary>
/// The testbed's own scaling: page-fault on the pageblock design with 1 and with 2 emulated CPUs, each on an OS
/// thread pinned to its own core, through the same <see cref="Runner"/> the stress runner uses. Runs alternate
/// 1, 2, 2, 1, ... so a drift in the host's load hits both sides alike; the ratio is of medians. Recording,
/// the flight recorder and lockdep are off, the kernel work is off (<c>--work-scale 0</c>, so the allocator dominates), and the periodic audit
/// is pushed past the run's end (it stops the world), so the number is the allocator and the testbed's own
/// bookkeeping. Page-fault shares nothing between CPUs but the zone, which each CPU touches once per refill or bulk
/// free (about every batch of pages).
/// <para>
/// The runner's own cost is the second figure: the runner's time per operation over the bare loop's
/// (<see cref="BareScaling"/>) at 1 CPU, each harness's fastest run (noise only adds time), target at most
/// <see cref="OverheadTarget"/>.
/// </para>
/// </summary>
public static class ScalingMeasurement
{
    public const double Target = 1.7;

    /// <summary>The runner's time per operation over the bare loop's at 1 CPU: at most 10 % more.</summary>
    public const double OverheadTarget = 1.10;

    public static string Run(TimeSpan duration, int repeats, string zone, TextWriter log)
    {
        var runs = new List<ScalingRun>();
        for (var repeat = 0; repeat < repeats; repeat++)
        {
            int[] order = repeat % 2 == 0 ? [1, 2] : [2, 1];
            foreach (var cpus in order)
            {
                // The runner, then the bare control on the same CPU count, back to back.
                Record(runs, RunOnce(cpus, repeat, duration, zone), log);
                Record(runs, BareScaling.Run(cpus, repeat, duration, zone), log);
            }
        }

        return Format(runs, duration, zone);
    }

    private static void Record(List<ScalingRun> runs, ScalingRun run, TextWriter log)
    {
        runs.Add(run);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"// scaling ({run.Harness}): {run.Cpus} CPU(s), repeat {run.Repeat}: {run.OpsPerSecond / 1e6:0.000} M ops/s over {run.Seconds:0.0} s, " +
            $"{run.CpuSecondsPerSecond:0.00} host cores used, {run.PreemptionsPerSecond:0} preemptions/s, load {run.Load}"));
    }

    private static ScalingRun RunOnce(int cpus, int repeat, TimeSpan duration, string zone)
    {
        var spec = ZoneSpec.Parse(zone);
        var options = new RunOptions
        {
            Design = DesignKind.Pageblock,
            Workload = WorkloadKind.PageFault,
            Cpus = cpus,
            ZoneFactory = () => ZoneBuilder.Build(spec),
            ZoneDescription = zone,
            Duration = duration,
            Pin = true,
            RecordLocks = false,
            Lockdep = false,

            // The bare loop has no flight recorder either; the recorder's own cost is FlightRecorderBenchmarks'.
            FlightRecorder = false,
            WorkScale = 0,
            AuditInterval = TimeSpan.FromDays(1),
        };

        // Collect before, not during: the previous run's zone is garbage now.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var load = HostInfo.LoadAverage();

        // The CPU threads' CPU time and preemptions between the first and the last progress report (every ~200 ms
        // while the CPUs run), which leaves out building the zone and the final audits.
        CpuThreadSample? first = null, last = null;
        options = options with
        {
            Progress = _ =>
            {
                var sample = CpuThreadSample.Take();
                first ??= sample;
                last = sample;
            },
        };
        var result = Runner.Run(options);
        double coresUsed = double.NaN, preemptionsPerSecond = double.NaN;
        if (first is { } f && last is { } l && l.Ticks > f.Ticks)
        {
            var seconds = Stopwatch.GetElapsedTime(f.Ticks, l.Ticks).TotalSeconds;
            coresUsed = (l.CpuSeconds - f.CpuSeconds) / seconds;
            preemptionsPerSecond = (l.Preemptions - f.Preemptions) / seconds;
        }

        if (result.InvariantViolations != 0 || result.PagesLost != 0)
        {
            throw new InvalidOperationException(
                $"the scaling run with {cpus} CPU(s) broke an invariant: {string.Join("; ", result.Violations)} (pages lost {result.PagesLost})");
        }

        return new ScalingRun("runner", cpus, repeat, result.OpsPerSecond, result.Seconds, coresUsed, preemptionsPerSecond, load);
    }

    private static double Median(IEnumerable<double> xs)
    {
        var a = xs.Order().ToArray();
        return a.Length == 0 ? double.NaN : a.Length % 2 == 1 ? a[a.Length / 2] : (a[(a.Length / 2) - 1] + a[a.Length / 2]) / 2;
    }

    private static string Format(List<ScalingRun> runs, TimeSpan duration, string zone)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"page-fault, pageblock, zone {zone}, {duration.TotalSeconds:0.#} s per run, pinned, recording off, flight recorder off, lockdep off, " +
            $"--work-scale 0, --free-batch {PageAlloc.PagevecSize}, {runs.Count(r => r.Harness == "runner") / 2} runs per CPU count; {HostInfo.Now()}; {HostInfo.Machine()}");
        sb.AppendLine();
        sb.AppendLine("| harness | CPUs | repeat | M ops/s | host cores the CPU threads got | M ops per core-second | preemptions/s | load (1/5/15) |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in runs.OrderBy(r => r.Harness, StringComparer.Ordinal).ThenBy(r => r.Cpus).ThenBy(r => r.Repeat))
        {
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Harness} | {r.Cpus} | {r.Repeat} | {r.OpsPerSecond / 1e6:0.000} | {r.CpuSecondsPerSecond:0.00} | {r.OpsPerCoreSecond / 1e6:0.000} | {r.PreemptionsPerSecond:0} | {r.Load} |");
        }

        foreach (var harness in new[] { "runner", "bare" })
        {
            var mine = runs.Where(r => r.Harness == harness).ToList();
            var one = Median(mine.Where(r => r.Cpus == 1).Select(r => r.OpsPerSecond));
            var two = Median(mine.Where(r => r.Cpus == 2).Select(r => r.OpsPerSecond));
            var oneEfficiency = Median(mine.Where(r => r.Cpus == 1).Select(r => r.OpsPerCoreSecond));
            var twoEfficiency = Median(mine.Where(r => r.Cpus == 2).Select(r => r.OpsPerCoreSecond));
            var oneCores = Median(mine.Where(r => r.Cpus == 1).Select(r => r.CpuSecondsPerSecond));
            var twoCores = Median(mine.Where(r => r.Cpus == 2).Select(r => r.CpuSecondsPerSecond));
            var ratio = two / one;
            var verdict = SuiteMode.Dry ? "dry" : ratio >= Target ? "pass" : $"miss by {(1 - ratio / Target) * 100:0}%";
            sb.AppendLine();
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"{harness}: median throughput 1 CPU {one / 1e6:0.000} M ops/s, 2 CPUs {two / 1e6:0.000} M ops/s: ratio {ratio:0.00}x " +
                $"(target ≥ {Target:0.0}x{(harness == "runner" ? "" : ", control")}): {verdict}.");
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"{harness}: median host cores the CPU threads got: 1 CPU {oneCores:0.00}, 2 CPUs {twoCores:0.00}; median work per core-second: " +
                $"1 CPU {oneEfficiency / 1e6:0.000} M, 2 CPUs {twoEfficiency / 1e6:0.000} M ({twoEfficiency / oneEfficiency:0.00}x: 1.00x means nothing " +
                $"serializes the two CPUs, and two free cores would give {2 * twoEfficiency / oneEfficiency:0.00}x).");
        }

        sb.AppendLine();
        sb.AppendLine(Overhead(runs));
        return sb.ToString();
    }

    /// <summary>
    /// The runner's own cost: its time per operation over the bare loop's at 1 CPU, from each harness's fastest run; and,
    /// informative, the same from the work per core-second the CPU thread got (which leaves out time the host took away).
    /// </summary>
    private static string Overhead(List<ScalingRun> runs)
    {
        double Best(string harness, Func<ScalingRun, double> metric) =>
            runs.Where(r => r.Harness == harness && r.Cpus == 1).Select(metric).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Max();

        var runner = Best("runner", r => r.OpsPerSecond);
        var bare = Best("bare", r => r.OpsPerSecond);
        var ratio = bare / runner;
        var perCore = Best("bare", r => r.OpsPerCoreSecond) / Best("runner", r => r.OpsPerCoreSecond);
        var verdict = SuiteMode.Dry ? "dry" : ratio <= OverheadTarget ? "pass" : $"miss by {(ratio / OverheadTarget - 1) * 100:0}%";
        return string.Create(CultureInfo.InvariantCulture,
            $"runner / bare at 1 CPU: {1e9 / runner:0.0} ns / {1e9 / bare:0.0} ns per operation (fastest runs) = {ratio:0.000} " +
            $"(target ≤ {OverheadTarget:0.00}): {verdict}. Per core-second the CPU thread got: {perCore:0.000}.");
    }
}
