using System.Globalization;
using System.Runtime.InteropServices;

namespace PcpTestbed.Execution.Virtual.Calibration;

/// <summary>
/// Measures the host-dependent constants of a <see cref="CostModel"/> on this machine, with the benchmark suite's
/// method: tight loops on one thread, each run a few ms, the loops taking turns for several rounds, each keeping its
/// fastest run (noise on a shared host only adds time; see src/PcpTestbed.Execution/INSTRUMENTATION.md, "Overhead").
/// A cache line's transfer is half the fastest round trip between two threads pinned to two host CPUs.
/// </summary>
/// <remarks>
/// From the loops (all uncontended, lines in the measuring CPU's cache):
/// <list type="bullet">
/// <item>unlockNs: the release store; lockNs and trylockNs: a Lock+Unlock or TryLock+Unlock pair less unlockNs;
/// trylockFailNs: a trylock of a lock held by another CPU id (on one thread, so without the line transfer, which the
/// engine adds); atomicNs: a successful cmpxchg; lockHandoverNs: a cmpxchg too (the waiter's after it sees the release;
/// the lock's lines are charged apart).</item>
/// <item>pcpListOpNs: half a list_add + list_del pair; zoneListOpNs: the same on a zone free list, with its
/// bookkeeping; chunkMoveNs: half of taking an order-0 page whose buddy is allocated and giving it back, less its two
/// list operations; mergeStepNs: what an order-0 page split from an order-9 chunk and merged back costs beyond its
/// 2 chunks and 20 list operations, over its 9 merges; pageScanNs: a walk of 512 allocated pages, per page.</item>
/// <item>allocPathNs and freePathNs: a PCP-hit alloc+free pair on the real allocator, less its two trylock+unlock
/// pairs and two PCP list operations, split evenly (the pair cannot be split by timing).</item>
/// </list>
/// The cache-line counts (how many lines move with a lock) cannot be timed here; they are kept from the base model.
/// </remarks>
public static class CostCalibrator
{
    public static CalibrationResult Measure(CalibrationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var basis = options.Base ?? CostModel.Default;
        var host = Host();
        var stamp = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var loops = new CalibrationLoops();
        var n = options.Iterations;

        // The buddy pairs and the block walk cost 10-100x a lock pair: fewer iterations keep every run a few ms.
        var timed = new List<(string Name, string Operation, Func<double> Run)>
        {
            ("lock+unlock", "spin_lock() + spin_unlock() of a free lock", () => loops.LockUnlock(n)),
            ("trylock+unlock", "spin_trylock() + spin_unlock() of a free lock", () => loops.TrylockUnlock(n)),
            ("trylock failed", "spin_trylock() of a lock another CPU id holds", () => loops.TrylockFail(n)),
            ("release store", "the release store of spin_unlock()", () => loops.ReleaseStore(n)),
            ("cmpxchg", "a successful cmpxchg on a local line", () => loops.CompareExchange(n)),
            ("pcp list add+del", "list_add() + list_del() on a PCP list", () => loops.PcpListAddRemove(n)),
            ("free list add+del", "__add_to_free_list() + __del_page_from_free_list() of one page", () => loops.ZoneListAddDel(n)),
            ("buddy no merge", "an order-0 page whose buddy is allocated, taken and freed: 2 chunks, 2 list operations", () => loops.BuddyNoMerge(Math.Max(1, n / 4))),
            ("buddy split+merge", "an order-0 page split from an order-9 chunk and merged back: 2 chunks, 20 list operations, 9 merges", () => loops.BuddySplitMerge(Math.Max(1, n / 16))),
            ("block walk", "prep_move_freepages_block() over 512 allocated pages", () => loops.BlockWalk(Math.Max(1, n / 256))),
        };
        if (options.AllocFreePair is { } pair)
        {
            timed.Add(("alloc+free pair", "an order-0 alloc_pages() + __free_pages() that hit the PCP (mainline)", () => pair(Math.Max(1, n / 4))));
        }

        var best = Fastest(timed.Select(t => t.Run).ToList(), options.Rounds);
        var measurements = timed.Select((t, i) => new CalibrationMeasurement(t.Name, best[i], t.Operation)).ToList();
        double M(string name) => best[timed.FindIndex(t => t.Name == name)];

        var notes = new List<string>();
        var transfer = CacheLinePingPong.Measure(options.Rounds, options.PingPongRoundTrips, out var why);
        if (transfer is { } t)
        {
            measurements.Add(new CalibrationMeasurement("cache-line transfer", t, "half a round trip of a line between two pinned host CPUs"));
        }
        else
        {
            notes.Add($"cacheLines.transferNs kept from the base model: {why}");
        }

        var values = basis.Values.ToArray();
        var sources = basis.Sources.ToArray();
        var how = $"calibrate {stamp}, {host}: fastest of {options.Rounds} runs";
        void Set(CostConstant c, double ns, string derivation)
        {
            values[(int)c] = Math.Round(Math.Clamp(ns, 0, CostConstants.MaxNs), 2);
            sources[(int)c] = $"{how}; {derivation}";
        }

        var unlock = M("release store");
        Set(CostConstant.UnlockNs, unlock, "the release store");
        Set(CostConstant.LockNs, M("lock+unlock") - unlock, "lock+unlock pair less unlockNs");
        Set(CostConstant.TrylockNs, M("trylock+unlock") - unlock, "trylock+unlock pair less unlockNs");
        Set(CostConstant.TrylockFailNs, M("trylock failed"), "a failed trylock, line local (the engine adds the transfer)");
        Set(CostConstant.AtomicNs, M("cmpxchg"), "a successful cmpxchg, line local");
        Set(CostConstant.LockHandoverNs, M("cmpxchg"), "the waiter's cmpxchg after the release (the lock's lines are charged apart)");
        var pcpListOp = M("pcp list add+del") / 2;
        Set(CostConstant.PcpListOpNs, pcpListOp, "half a list_add + list_del pair");
        var zoneListOp = M("free list add+del") / 2;
        Set(CostConstant.ZoneListOpNs, zoneListOp, "half a free-list add + del pair");
        var chunk = Math.Max(0, (M("buddy no merge") - (2 * zoneListOp)) / 2);
        Set(CostConstant.ChunkMoveNs, chunk, "half of an order-0 take and free with no split or merge, less its 2 list operations");
        Set(CostConstant.MergeStepNs, (M("buddy split+merge") - (2 * chunk) - (20 * zoneListOp)) / 9,
            "order-0 split from order 9 and merged back, less 2 chunks and 20 list operations, over 9 merges");
        Set(CostConstant.PageScanNs, M("block walk") / 512, "a 512-page block walk, per page");
        if (transfer is { } transferNs)
        {
            Set(CostConstant.CacheLineTransferNs, transferNs, "half a round trip between two pinned host CPUs");
        }

        if (options.AllocFreePair is not null)
        {
            var path = (M("alloc+free pair") - (2 * (values[(int)CostConstant.TrylockNs] + unlock)) - (2 * pcpListOp)) / 2;
            Set(CostConstant.AllocPathNs, path, "half of a PCP-hit alloc+free pair less its 2 trylock+unlock pairs and 2 list operations");
            Set(CostConstant.FreePathNs, path, "half of a PCP-hit alloc+free pair less its 2 trylock+unlock pairs and 2 list operations");
        }
        else
        {
            notes.Add("paths.allocPathNs and paths.freePathNs kept from the base model: no allocator pair to time");
        }

        notes.Add("cacheLines.zoneLockLines, pcpLockLines and remotePcpListOpLines kept from the base model: counts of lines cannot be timed");
        var model = new CostModel($"calibrate {stamp} on {host}", values, sources);
        return new CalibrationResult(host, model, measurements, notes);
    }

    /// <summary>Runs every loop once to warm up, then all in turn for <paramref name="rounds"/> rounds; each keeps its fastest run.</summary>
    private static double[] Fastest(IReadOnlyList<Func<double>> runs, int rounds)
    {
        var best = new double[runs.Count];
        Array.Fill(best, double.MaxValue);
        for (var round = -1; round < rounds; round++)
        {
            for (var i = 0; i < runs.Count; i++)
            {
                var ns = runs[i]();
                if (round >= 0)
                {
                    best[i] = Math.Min(best[i], ns);
                }
            }
        }

        return best;
    }

    /// <summary>The CPU model and host CPU count, as a source names the machine.</summary>
    public static string Host()
    {
        var model = RuntimeInformation.ProcessArchitecture.ToString();
        try
        {
            model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? model;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return $"{model} ({Environment.ProcessorCount} host CPUs)";
    }
}
