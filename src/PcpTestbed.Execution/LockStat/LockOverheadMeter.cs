using System.Diagnostics;
using System.Runtime.CompilerServices;
using PcpTestbed.Execution.Locking;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.LockStat;

/// <summary>
/// Measures what lock instrumentation costs on the uncontended path: single thread, one CPU id, the lock in a
/// padded heap slot as the model keeps it. Every configuration runs once to warm up; then the configurations
/// take turns for <c>runs</c> rounds and each keeps its best (fastest) run: noise on a shared host only ever
/// adds time, and taking turns spreads a noisy stretch over all configurations instead of one. Runs are short
/// (a few ms by default) so that, on an overloaded host, some of them fit in one scheduler time slice.
/// </summary>
public static class LockOverheadMeter
{
    public static readonly int[] DefaultIntervals = [0, 1, 4, 16, 64, 256, 1024];

    public static IReadOnlyList<LockOverheadRow> Measure(long pairs = 200_000, int runs = 60, IReadOnlyList<int>? intervals = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pairs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(runs, 1);
        var locks = new PaddedSpinLock[1];
        locks[0].Value = new EmuSpinLock(LockClass.Pcp, 0);
        var bare = new OsExecution<NoLockProbe>(default);
        var configs = new List<(string Probe, int? Interval, Func<double> LockPair, Func<double> AllocFree)>
        {
            ("none", null, () => LockPairNs(bare, locks, pairs), () => AllocFreePairNs(bare, locks, pairs)),
        };
        foreach (var interval in intervals ?? DefaultIntervals)
        {
            var exec = new OsExecution<LockStatProbe>(new LockStatProbe(new LockStatRecorder(cpuCount: 1, holdSampleInterval: interval)));
            configs.Add(("lock_stat", interval, () => LockPairNs(exec, locks, pairs), () => AllocFreePairNs(exec, locks, pairs)));
        }

        var bestLock = new double[configs.Count];
        var bestAllocFree = new double[configs.Count];
        Array.Fill(bestLock, double.MaxValue);
        Array.Fill(bestAllocFree, double.MaxValue);
        for (var round = -1; round < runs; round++)
        {
            for (var i = 0; i < configs.Count; i++)
            {
                var lockNs = configs[i].LockPair();
                var allocFreeNs = configs[i].AllocFree();

                // Round -1 warms up (tier-up, caches, the recorder's lazily allocated buckets).
                if (round >= 0)
                {
                    bestLock[i] = Math.Min(bestLock[i], lockNs);
                    bestAllocFree[i] = Math.Min(bestAllocFree[i], allocFreeNs);
                }
            }
        }

        return [.. configs.Select((c, i) => new LockOverheadRow(c.Probe, c.Interval, bestLock[i], bestAllocFree[i], bestAllocFree[i] / bestAllocFree[0]))];
    }

    /// <summary>A markdown table of the rows.</summary>
    public static string ToMarkdown(IReadOnlyList<LockOverheadRow> rows)
    {
        var sb = new System.Text.StringBuilder();
        sb.Append("| probe | hold sampled | Lock+Unlock ns | alloc+free lock work ns | vs. no probe |\n");
        sb.Append("|---|---|---:|---:|---:|\n");
        foreach (var r in rows)
        {
            var sampled = r.HoldSampleInterval switch
            {
                null => "-",
                0 => "never",
                1 => "every hold",
                var n => $"1 in {n}",
            };
            sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"| {r.Probe} | {sampled} | {r.LockPairNs:0.0} | {r.AllocFreePairNs:0.0} | {r.AllocFreeRatio:0.00}x |\n");
        }

        return sb.ToString();
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double LockPairNs<TProbe>(OsExecution<TProbe> exec, PaddedSpinLock[] locks, long pairs)
        where TProbe : struct, ILockProbe
    {
        ref var l = ref locks[0].Value;
        var start = Stopwatch.GetTimestamp();
        for (long i = 0; i < pairs; i++)
        {
            exec.Lock(ref l, 0, LockSite.PcpDrain);
            exec.Unlock(ref l, 0);
        }

        return Stopwatch.GetElapsedTime(start).TotalNanoseconds / pairs;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double AllocFreePairNs<TProbe>(OsExecution<TProbe> exec, PaddedSpinLock[] locks, long pairs)
        where TProbe : struct, ILockProbe
    {
        ref var l = ref locks[0].Value;
        var start = Stopwatch.GetTimestamp();
        for (long i = 0; i < pairs; i++)
        {
            // rmqueue_pcplist() then free_unref_page(): the mainline fast paths take pcp->lock with a trylock each.
            if (!exec.TryLock(ref l, 0, LockSite.PcpAlloc))
            {
                throw new InvalidOperationException("an uncontended trylock failed");
            }

            exec.Unlock(ref l, 0);
            if (!exec.TryLock(ref l, 0, LockSite.PcpFree))
            {
                throw new InvalidOperationException("an uncontended trylock failed");
            }

            exec.Unlock(ref l, 0);
        }

        return Stopwatch.GetElapsedTime(start).TotalNanoseconds / pairs;
    }
}
