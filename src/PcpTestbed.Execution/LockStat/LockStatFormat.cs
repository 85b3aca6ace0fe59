using System.Globalization;
using System.Text;

namespace PcpTestbed.Execution.LockStat;

/// <summary>Renders a <see cref="LockStatReport"/> as per-class tables and in the kernel's /proc/lock_stat layout.</summary>
internal static class LockStatFormat
{
    /// <summary>lock_stat's rule width: a 40-column name, then 12 columns of 14 with a separator each.</summary>
    private const int ProcRuleWidth = 40 + 1 + (12 * (14 + 1));

    /// <summary>What the kernel prints for a contention point's address with pointers hashed or hidden.</summary>
    private const string ProcIp = "[<0>]";

    private static readonly string[] TableColumns =
    [
        "site", "acquisitions", "contentions", "trylock-fail", "acq-bounces", "con-bounces", "contending",
        "wait-n", "wait-min", "wait-mean", "wait-p50", "wait-p99", "wait-p99.9", "wait-max", "wait-total",
        "hold-n", "hold-min", "hold-mean", "hold-p50", "hold-p99", "hold-p99.9", "hold-max", "hold-total",
    ];

    /// <summary>The columns of the /proc layout's extension section: duty in %, the utilisation's relative error, trylock failures.</summary>
    private static readonly string[] ExtensionColumns = ["duty-min%", "duty-mean%", "duty-max%", "utilisation%", "util-error%", "trylock-fail"];

    public static string Table(LockStatReport report)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"lock statistics: {report.CpuCount} CPUs, {(report.VirtualTime ? "virtual times (cost model)" : "times")} in ns, ");
        sb.Append(report.HoldSampleInterval switch
        {
            0 => "hold time not sampled",
            1 => "every hold timed",
            var n => $"hold time sampled on 1 in {n} acquisitions (hold-n is the sample size)",
        });
        sb.Append(report.VirtualTime ? "\n" : string.Create(CultureInfo.InvariantCulture, $", clock read {report.ClockReadNs:0.#} ns subtracted\n"));
        foreach (var c in report.Classes)
        {
            sb.Append('\n').Append(c.Name).Append('\n');
            var rows = new List<string[]>
            {
                TableColumns,
                Row("(all)", c.Acquisitions, c.Contentions, c.TrylockFailures, c.Bounces, c.ContentionBounces, null, c.WaitNs, c.HoldNs),
            };
            foreach (var s in c.Sites)
            {
                rows.Add(Row(s.Name, s.Acquisitions, s.Contentions, s.TrylockFailures, s.Bounces, s.ContentionBounces, s.Contending, s.WaitNs, s.HoldNs));
            }

            AppendAligned(sb, rows);
            if (c.Duty is { } duty)
            {
                sb.Append("duty: ").Append(duty.Describe()).Append("\n  per CPU: ").Append(duty.DescribeCpus()).Append('\n');
            }

            foreach (var s in c.Sites.Where(s => s.TrylockCollisions.Count != 0))
            {
                sb.Append(CultureInfo.InvariantCulture, $"trylock failures at {s.Name} found the lock held at: {s.DescribeCollisions()}\n");
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// /proc/lock_stat as lockdep_proc.c prints it (seq_header, seq_stats): classes sorted by contentions,
    /// times in µs with two decimals (snprint_time), then the contention points (the waiting sites) and the
    /// contending points (the sites holding the lock when others waited).
    /// </summary>
    /// <remarks>
    /// Differences, all forced by what the emulation has: a point's address prints as <c>[&lt;0&gt;]</c> and
    /// its symbol is the site's kernel function without offset; every point is listed, most frequent first
    /// (the kernel keeps the first 4 it saw); hold times are sampled, so holdtime-min/max/avg come from the
    /// sample and holdtime-total is the sampled mean times acquisitions; trylock failures are not contentions
    /// (the kernel's lock_stat does not see them either) and show only in the table and the data model.
    /// </remarks>
    public static string ProcLockStat(LockStatReport report)
    {
        var sb = new StringBuilder();
        sb.Append("lock_stat version 0.4\n");
        AppendRule(sb, '-', 0, ProcRuleWidth);
        sb.Append(CultureInfo.InvariantCulture, $"{"class name",40}");
        foreach (var h in (string[])["con-bounces", "contentions", "waittime-min", "waittime-max", "waittime-total", "waittime-avg",
                     "acq-bounces", "acquisitions", "holdtime-min", "holdtime-max", "holdtime-total", "holdtime-avg"])
        {
            sb.Append(CultureInfo.InvariantCulture, $" {h,14}");
        }

        sb.Append('\n');
        AppendRule(sb, '-', 0, ProcRuleWidth);
        sb.Append('\n');

        // lock_stat_cmp(): most contended first.
        foreach (var c in report.Classes.Where(c => c.Acquisitions != 0 || c.WaitNs.Count != 0).OrderByDescending(c => c.WaitNs.Count))
        {
            AppendProcClass(sb, c);
        }

        AppendProcExtensions(sb, report);
        return sb.ToString();
    }

    /// <summary>
    /// What the kernel's lock_stat has no column for, after its classes and in its style: per class the CPUs' lock duty
    /// (min, mean, max, and zone->lock's utilisation, in %), then each CPU's duty as a point, then the failed
    /// trylocks as points: each failing site with the holder site it collided with, then the holder sites with the
    /// failures they caused. Lines name the class without the colon of a kernel class line.
    /// </summary>
    private static void AppendProcExtensions(StringBuilder sb, LockStatReport report)
    {
        var classes = report.Classes.Where(c => c.Acquisitions != 0 || c.TrylockFailures != 0).ToList();
        if (classes.Count == 0)
        {
            return;
        }

        var width = 40 + 1 + (ExtensionColumns.Length * (14 + 1));
        sb.Append("\nlock_stat testbed extensions: lock duty (% of each CPU's run time holding the class, from sampled holds) and trylock collisions\n");
        AppendRule(sb, '-', 0, width);
        sb.Append(CultureInfo.InvariantCulture, $"{"class name",40} ");
        foreach (var h in ExtensionColumns)
        {
            sb.Append(CultureInfo.InvariantCulture, $" {h,14}");
        }

        sb.Append('\n');
        AppendRule(sb, '-', 0, width);
        foreach (var c in classes)
        {
            var name = c.KernelName;
            var d = c.Duty;
            sb.Append('\n').Append(CultureInfo.InvariantCulture, $"{name,40} ");
            foreach (var v in (string[])[Pct(d?.Min), Pct(d?.Mean), Pct(d?.Max), Pct(d?.Utilisation), Pct(d?.UtilisationRelativeError), N(c.TrylockFailures)])
            {
                sb.Append(CultureInfo.InvariantCulture, $" {v,14}");
            }

            sb.Append('\n');
            if (d != null)
            {
                AppendRule(sb, '-', 40 - name.Length, name.Length);
                foreach (var cpu in d.Cpus)
                {
                    var rough = cpu.FewSamples
                        ? $" (rough: {cpu.Samples} samples, relative error {(cpu.RelativeError is { } e ? Pct(e) + "%" : "unknown")})"
                        : "";
                    sb.Append(CultureInfo.InvariantCulture, $"{name,40} {Pct(cpu.Duty),14} {$"cpu {cpu.Cpu}",29}{rough}\n");
                }
            }

            var failing = c.Sites.Where(s => s.TrylockFailures != 0).OrderByDescending(s => s.TrylockFailures).ToList();
            AppendProcPoints(sb, name, failing.SelectMany(s => s.TrylockCollisions.Select(x => (x.Count, $"{s.Name} <- {x.Holder}"))));
            AppendProcPoints(sb, name, c.Sites.Where(s => s.TrylockFailuresCaused != 0).OrderByDescending(s => s.TrylockFailuresCaused)
                .Select(s => (s.TrylockFailuresCaused, $"{s.Name} (holding)")));
        }
    }

    private static string Pct(double? fraction) => fraction is { } f ? (f * 100).ToString("0.00", CultureInfo.InvariantCulture) : "-";

    /// <summary>snprint_time(): ns as µs with two decimals, rounded as the kernel does (+5 ns, then truncated).</summary>
    internal static string ProcTime(long ns)
    {
        var nr = ns + 5;
        return string.Create(CultureInfo.InvariantCulture, $"{nr / 1000}.{(nr % 1000) / 10:D2}");
    }

    private static void AppendProcClass(StringBuilder sb, LockClassStats c)
    {
        var name = c.KernelName;
        sb.Append(CultureInfo.InvariantCulture, $"{name,40}:");
        sb.Append(CultureInfo.InvariantCulture, $"{c.ContentionBounces,14} ");
        AppendProcTimes(sb, c.WaitNs.Count, c.WaitNs.Min, c.WaitNs.Max, c.WaitNs.Total, c.WaitNs.Count == 0 ? 0 : c.WaitNs.Total / c.WaitNs.Count);
        sb.Append(CultureInfo.InvariantCulture, $" {c.Bounces,14} ");
        AppendProcTimes(sb, c.Acquisitions, c.HoldNs.Min, c.HoldNs.Max, c.HoldTotalEstimatedNs, (long)c.HoldNs.Mean);
        sb.Append('\n');
        if (c.WaitNs.Count == 0)
        {
            return;
        }

        var contentionPoints = c.Sites.Where(s => s.Contentions != 0).OrderByDescending(s => s.Contentions).ToList();
        AppendProcPoints(sb, name, contentionPoints.Select(s => (s.Contentions, s.Name)));
        var contendingPoints = c.Sites.Where(s => s.Contending != 0).OrderByDescending(s => s.Contending).ToList();
        AppendProcPoints(sb, name, contendingPoints.Select(s => (s.Contending, s.Name)));
        if (contendingPoints.Count != 0)
        {
            sb.Append('\n');
            AppendRule(sb, '.', 0, ProcRuleWidth);
            sb.Append('\n');
        }
    }

    private static void AppendProcTimes(StringBuilder sb, long nr, long min, long max, long total, long avg)
    {
        sb.Append(CultureInfo.InvariantCulture, $"{nr,14}");
        foreach (var t in (long[])[min, max, total, avg])
        {
            sb.Append(CultureInfo.InvariantCulture, $" {ProcTime(t),14}");
        }
    }

    private static void AppendProcPoints(StringBuilder sb, string name, IEnumerable<(long Count, string Site)> points)
    {
        var first = true;
        foreach (var (count, site) in points)
        {
            if (first)
            {
                AppendRule(sb, '-', 40 - name.Length, name.Length);
                first = false;
            }

            sb.Append(CultureInfo.InvariantCulture, $"{name,40} {count,14} {ProcIp,29} {site}\n");
        }
    }

    private static void AppendRule(StringBuilder sb, char c, int offset, int length) =>
        sb.Append(' ', offset).Append(c, length).Append('\n');

    private static string[] Row(
        string site, long acquisitions, long contentions, long trylockFailures, long bounces, long contentionBounces,
        long? contending, LockTimeStats wait, LockTimeStats hold)
    {
        var row = new List<string>
        {
            site, N(acquisitions), N(contentions), N(trylockFailures), N(bounces), N(contentionBounces),
            contending is { } v ? N(v) : "",
        };
        foreach (var t in (LockTimeStats[])[wait, hold])
        {
            row.AddRange([N(t.Count), N(t.Min), N((long)Math.Round(t.Mean)), N(t.P50), N(t.P99), N(t.P999), N(t.Max), N(t.Total)]);
        }

        return [.. row];
    }

    private static string N(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static void AppendAligned(StringBuilder sb, List<string[]> rows)
    {
        var widths = new int[rows[0].Length];
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        foreach (var row in rows)
        {
            sb.Append(row[0].PadRight(widths[0]));
            for (var i = 1; i < row.Length; i++)
            {
                sb.Append("  ").Append(row[i].PadLeft(widths[i]));
            }

            sb.Append('\n');
        }
    }
}
