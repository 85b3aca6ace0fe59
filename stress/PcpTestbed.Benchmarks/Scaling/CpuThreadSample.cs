using System.Globalization;

namespace PcpTestbed.Benchmarks.Scaling;

/// <summary>
/// The emulated CPUs' OS threads (CpuMachine names them "cpu0", "cpu1", ...) as /proc/self/task sees them at one
/// moment: the CPU time they have had, and how often the host preempted them (nonvoluntary context switches).
/// Two samples taken while the CPUs run tell how much of the host the run really got, which separates "the
/// testbed serializes" from "the host was busy".
/// </summary>
public readonly record struct CpuThreadSample(long Ticks, double CpuSeconds, long Preemptions, int Threads)
{
    private static readonly double ClockTicksPerSecond = 100; // USER_HZ on Linux

    /// <summary>Reads every task named cpuN of this process; an empty sample off Linux.</summary>
    public static CpuThreadSample Take()
    {
        var ticks = System.Diagnostics.Stopwatch.GetTimestamp();
        double cpu = 0;
        long preempted = 0;
        var threads = 0;
        try
        {
            foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
            {
                var comm = File.ReadAllText(Path.Combine(task, "comm")).Trim();
                if (!comm.StartsWith("cpu", StringComparison.Ordinal) || !int.TryParse(comm.AsSpan(3), out _))
                {
                    continue;
                }

                // stat: "tid (comm) state ..." with utime and stime the 14th and 15th fields; comm may hold spaces.
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                cpu += (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / ClockTicksPerSecond;
                var line = File.ReadLines(Path.Combine(task, "status")).FirstOrDefault(l => l.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal));
                if (line != null)
                {
                    preempted += long.Parse(line.Split(':')[1].Trim(), CultureInfo.InvariantCulture);
                }

                threads++;
            }
        }
        catch (IOException)
        {
            // A task ended between listing and reading: keep what was read.
        }
        catch (UnauthorizedAccessException)
        {
        }

        return new CpuThreadSample(ticks, cpu, preempted, threads);
    }
}
