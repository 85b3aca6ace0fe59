using PcpTestbed.Model;
using PcpTestbed.Model.Layout;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote.Repro;

/// <summary>
/// Turns a flight recorder's windows (pfns, per CPU) into a reproduction file's operations (handles, one approximate global
/// order). The order: by the coordinator's epoch; within an epoch, a merge that takes, among the CPUs' next operations, one
/// that is consistent with what came before (an allocation of a pfn nobody holds, a free of a pfn somebody holds), so a page
/// freed on another CPU than its allocator's gets its free after its allocation. A free of a pfn the window never allocated
/// is of a page allocated before the window: a <see cref="ReproPage"/>. With the checkpoint's holdings, a free of a chunk
/// held there (and not freed since) is consistent too, and an allocation of it is not: without them the merge, every CPU's
/// next operation a free of a pfn nobody holds yet, fell back to one that freed a page another CPU's later operation
/// allocated, and took it for a page from before the window (7 of 14 hotplug files, 2026-12-07).
/// </summary>
public static class ReproBuilder
{
    /// <summary>The file's fields other than the window, as the run knew them.</summary>
    /// <param name="Interrupts">The run's injected interrupts, or null: the file's <see cref="ReproFile.Interrupts"/>.</param>
    public sealed record RunFacts(string Design, IReadOnlyList<string> Bugs, string Workload, long Seed, int Cpus, string Zone, string Highatomic, bool Lockdep,
        ReproInterrupts? Interrupts = null);

    /// <param name="violation">The first violation's text, as the recording names it.</param>
    /// <param name="violationPfn">The absolute pfn it was found at, as the audit or the bad page gave it (null: none); the window's last operation on it is <see cref="ReproFile.ViolationPageSeq"/>.</param>
    /// <param name="holdings">What the zone held at the window's start (the last clean audit), or null: the file's <see cref="ReproFile.Holdings"/>.</param>
    /// <param name="snapshot">The allocator's exact state there, or null: the file's <see cref="ReproFile.Snapshot"/>.</param>
    public static ReproFile Build(RunFacts run, IReadOnlyList<RecordedOp[]> windows, IReadOnlyList<long> lost, int ringEntries, string violation, long? violationPfn,
        ZoneHoldings? holdings = null, AllocatorSnapshot? snapshot = null)
    {
        var cpus = windows.Count;

        // Group each batch with its folios, and each allocation with the pages its direct reclaim freed: one unit per operation.
        var units = new List<(RecordedOp Op, RecordedOp[] Folios)>[cpus];
        for (var cpu = 0; cpu < cpus; cpu++)
        {
            units[cpu] = [];
            var w = windows[cpu];
            for (var i = 0; i < w.Length; i++)
            {
                if (w[i].IsFolio)
                {
                    continue;
                }

                var folios = new List<RecordedOp>();
                for (var j = i + 1; j < w.Length && w[j].IsFolio; j++)
                {
                    folios.Add(w[j]);
                }

                units[cpu].Add((w[i], [.. folios]));
            }
        }

        var live = new Dictionary<long, (int Handle, int Order)>(); // pfn -> the page allocated there
        var heldAtStart = HeldAtStart(holdings); // chunks held at the checkpoint and not freed in the window so far; null: not recorded
        var pages = new List<ReproPage>();
        var ops = new List<ReproOp>[cpus];
        for (var cpu = 0; cpu < cpus; cpu++)
        {
            ops[cpu] = [];
        }

        var next = new int[cpus];
        var onlines = OnlineEpochs(units);
        var dead = DeadAtStart(units, snapshot);
        var handle = 0;
        var seq = 0;
        int? violationPageSeq = null;
        while (true)
        {
            var pick = -1;
            var fallback = -1;
            var deadFallback = -1;
            var minEpoch = int.MaxValue;
            for (var cpu = 0; cpu < cpus; cpu++)
            {
                if (next[cpu] < units[cpu].Count)
                {
                    minEpoch = Math.Min(minEpoch, EpochOf(units[cpu][next[cpu]].Op));
                }
            }

            if (minEpoch == int.MaxValue)
            {
                break;
            }

            for (var k = 0; k < cpus; k++)
            {
                var cpu = (seq + k) % cpus;
                if (next[cpu] >= units[cpu].Count || EpochOf(units[cpu][next[cpu]].Op) != minEpoch)
                {
                    continue;
                }

                if (!HotplugConsistent(units, next, dead, onlines, cpu))
                {
                    deadFallback = deadFallback < 0 ? cpu : deadFallback;
                    continue;
                }

                fallback = fallback < 0 ? cpu : fallback;
                if (Consistent(units[cpu][next[cpu]], live, heldAtStart))
                {
                    pick = cpu;
                    break;
                }
            }

            pick = pick < 0 ? (fallback < 0 ? deadFallback : fallback) : pick;
            var (op, folios) = units[pick][next[pick]++];
            if (op.Op == AllocatorOp.CpuOnline && op.Arg0 >= 0 && op.Arg0 < cpus)
            {
                onlines[pick, op.Arg0].Dequeue();
            }

            if (op.Op is AllocatorOp.CpuDead or AllocatorOp.CpuOnline && op.Arg0 >= 0 && op.Arg0 < cpus)
            {
                dead[op.Arg0] = op.Op == AllocatorOp.CpuDead;
            }

            if (violationPfn is { } v && Touches(op, folios, v))
            {
                violationPageSeq = seq;
            }

            ops[pick].Add(Convert(op, folios, pick, seq++, live, pages, ref handle));
            ForgetFreed(op, folios, heldAtStart);
        }

        return new ReproFile
        {
            Design = run.Design,
            Bugs = run.Bugs,
            Workload = run.Workload,
            Seed = run.Seed,
            Cpus = run.Cpus,
            Zone = run.Zone,
            Highatomic = run.Highatomic,
            Lockdep = run.Lockdep,
            Violation = violation,
            Invariant = Violations.InvariantOf(violation),
            WindowComplete = lost.All(l => l == 0),
            LostBeforeWindow = lost,
            RingEntries = ringEntries,
            Pages = pages,
            ViolationPageSeq = violationPageSeq,
            Operations = ops,
            Holdings = holdings,
            Interrupts = run.Interrupts,
            Snapshot = snapshot == null ? null : System.Convert.ToBase64String(AllocatorSnapshotCodec.Encode(snapshot)),
        };
    }

    /// <summary>
    /// Whether <paramref name="cpu"/>'s next operation may come next as far as CPU hotplug goes: a dead CPU runs nothing until
    /// it is back online; a death is of a live CPU, and not while that CPU still has an operation that ended in an earlier epoch
    /// than any online of it still to come (that operation ran before the death); an online is of a dead CPU.
    /// </summary>
    /// <param name="onlines">The epochs of the onlines still to come, by the CPU that runs them and their target (<see cref="OnlineEpochs"/>).</param>
    private static bool HotplugConsistent(List<(RecordedOp Op, RecordedOp[] Folios)>[] units, int[] next, bool[] dead, Queue<int>[,] onlines, int cpu)
    {
        if (dead[cpu])
        {
            return false;
        }

        var op = units[cpu][next[cpu]].Op;
        if (op.Op is not (AllocatorOp.CpuDead or AllocatorOp.CpuOnline) || op.Arg0 < 0 || op.Arg0 >= units.Length)
        {
            return true;
        }

        var target = (int)op.Arg0;
        if (op.Op == AllocatorOp.CpuOnline)
        {
            return dead[target];
        }

        if (dead[target] || next[target] >= units[target].Count)
        {
            return !dead[target];
        }

        var nextOnline = int.MaxValue;
        for (var other = 0; other < units.Length; other++)
        {
            if (onlines[other, target].TryPeek(out var epoch))
            {
                nextOnline = Math.Min(nextOnline, epoch);
            }
        }

        return EpochOf(units[target][next[target]].Op) >= nextOnline;
    }

    /// <summary>
    /// Per CPU and target, the epochs of the CPU's onlines of that target in its window's order: the merge takes each from its
    /// queue as it takes the online, so the next online of a target still to come on each CPU is its queue's head (the death's
    /// check read it by scanning every CPU's operations still to come, at every death).
    /// </summary>
    private static Queue<int>[,] OnlineEpochs(List<(RecordedOp Op, RecordedOp[] Folios)>[] units)
    {
        var cpus = units.Length;
        var onlines = new Queue<int>[cpus, cpus];
        for (var cpu = 0; cpu < cpus; cpu++)
        {
            for (var target = 0; target < cpus; target++)
            {
                onlines[cpu, target] = new Queue<int>();
            }

            foreach (var (op, _) in units[cpu])
            {
                if (op.Op == AllocatorOp.CpuOnline && op.Arg0 >= 0 && op.Arg0 < cpus)
                {
                    onlines[cpu, op.Arg0].Enqueue(EpochOf(op));
                }
            }
        }

        return onlines;
    }

    /// <summary>
    /// The CPUs offline at the window's start: those offline in the checkpoint's snapshot, or, without one, by the rule the
    /// rebuild shares (<see cref="ReproHotplugStart.Offline"/>). The merge keeps each CPU's operations out of the stretches
    /// between its death and its online: on the run the victim parked at a quiescent point before a surviving CPU ran
    /// page_alloc_cpu_dead() for it, and ran nothing until page_alloc_cpu_online() (FaultInjector.TakeOneOffline,
    /// BringBackDue). Without this the merge put a CPU's operations inside its own dead stretch, where the rebuild skips them
    /// (absorb-without-owner-check files, 2026-12-07: the victim's allocation of the page the violation names among them).
    /// </summary>
    private static bool[] DeadAtStart(List<(RecordedOp Op, RecordedOp[] Folios)>[] units, AllocatorSnapshot? snapshot)
    {
        var cpus = units.Length;
        if (snapshot != null && snapshot.Cpus == cpus)
        {
            return [.. snapshot.Online.Select(o => o == 0)];
        }

        return ReproHotplugStart.Offline(cpus, Enumerable.Range(0, cpus).SelectMany(cpu => units[cpu]
            .Select((u, i) => (u.Op, Place: (double)i / units[cpu].Count))
            .Where(e => e.Op.Op is AllocatorOp.CpuDead or AllocatorOp.CpuOnline)
            .Select(e => new ReproHotplugStart.Event(cpu, (int)Math.Clamp(e.Op.Arg0, -1, int.MaxValue), e.Op.Op == AllocatorOp.CpuOnline, EpochOf(e.Op), e.Place))));
    }

    /// <summary>A chunk held at the checkpoint that the window frees is held no more (a later free of its pfn is of a later allocation).</summary>
    private static void ForgetFreed(RecordedOp op, RecordedOp[] folios, HashSet<(long Pfn, int Order)>? heldAtStart)
    {
        if (heldAtStart == null)
        {
            return;
        }

        if (op.Op == AllocatorOp.Free)
        {
            heldAtStart.Remove((op.Arg0, (int)op.Arg1));
        }

        foreach (var f in folios)
        {
            heldAtStart.Remove((f.Arg0, (int)f.Arg1));
        }
    }

    /// <summary>Whether an operation allocated or freed a chunk holding <paramref name="pfn"/>.</summary>
    private static bool Touches(RecordedOp op, RecordedOp[] folios, long pfn) => op.Op switch
    {
        AllocatorOp.Alloc => (op.Ended && op.Result >= 0 && Holds(op.Result, (int)op.Arg0, pfn)) || folios.Any(f => Holds(f.Arg0, (int)f.Arg1, pfn)),
        AllocatorOp.Free => Holds(op.Arg0, (int)op.Arg1, pfn),
        AllocatorOp.FreeBatch => folios.Any(f => Holds(f.Arg0, (int)f.Arg1, pfn)),
        _ => false,
    };

    private static bool Holds(long head, int order, long pfn) =>
        PageAlloc.IsValidOrder(order) && pfn >= head && pfn < head + (1L << order);

    private static int EpochOf(RecordedOp op) => ReproHotplugStart.EndEpoch(op.Epoch, op.Ended);

    private static bool Consistent((RecordedOp Op, RecordedOp[] Folios) unit, Dictionary<long, (int Handle, int Order)> live, HashSet<(long Pfn, int Order)>? heldAtStart) =>
        unit.Op.Op switch
        {
            AllocatorOp.Alloc => unit.Folios.All(f => Holds(f.Arg0, (int)f.Arg1, live, heldAtStart)) && (!unit.Op.Ended || unit.Op.Result < 0 ||
                                 (ReclaimedFirst(unit, live) && heldAtStart?.Contains((unit.Op.Result, (int)unit.Op.Arg0)) != true)),
            AllocatorOp.Free => Holds(unit.Op.Arg0, (int)unit.Op.Arg1, live, heldAtStart),
            AllocatorOp.FreeBatch => unit.Folios.All(f => Holds(f.Arg0, (int)f.Arg1, live, heldAtStart)),
            _ => true,
        };

    /// <summary>Whether an allocation's pfn is free once its direct reclaim's pages are: nobody else holds it.</summary>
    private static bool ReclaimedFirst((RecordedOp Op, RecordedOp[] Folios) unit, Dictionary<long, (int Handle, int Order)> live) =>
        !live.ContainsKey(unit.Op.Result) || unit.Folios.Any(f => f.Arg0 == unit.Op.Result);

    /// <summary>Whether the chunk at <paramref name="pfn"/> of <paramref name="order"/> is held now: allocated in the window, or held at its start and not freed since.</summary>
    private static bool Holds(long pfn, int order, Dictionary<long, (int Handle, int Order)> live, HashSet<(long Pfn, int Order)>? heldAtStart) =>
        live.TryGetValue(pfn, out var p) ? p.Order == order : heldAtStart?.Contains((pfn, order)) == true;

    private static HashSet<(long Pfn, int Order)>? HeldAtStart(ZoneHoldings? holdings)
    {
        if (holdings == null)
        {
            return null;
        }

        var held = new HashSet<(long Pfn, int Order)>();
        foreach (var run in holdings.Held)
        {
            for (var i = 0; i < run.Count; i++)
            {
                held.Add((run.Pfn + ((long)i << run.Order), run.Order));
            }
        }

        return held;
    }

    private static ReproOp Convert(RecordedOp op, RecordedOp[] folios, int cpu, int seq, Dictionary<long, (int Handle, int Order)> live, List<ReproPage> pages, ref int handle)
    {
        var notReturned = op.Ended ? (bool?)null : true;
        switch (op.Op)
        {
            case AllocatorOp.Alloc:
                var h = handle++;

                // The pages its direct reclaim freed, before its own page (which may be one of them) is live.
                var reclaimed = new ReproFolio[folios.Length];
                for (var i = 0; i < folios.Length; i++)
                {
                    reclaimed[i] = new ReproFolio(Take(folios[i].Arg0, (int)folios[i].Arg1, cpu, live, pages, ref handle), (int)folios[i].Arg1);
                }

                if (op.Ended && op.Result >= 0)
                {
                    live[op.Result] = (h, (int)op.Arg0);
                }

                return new ReproOp
                {
                    Seq = seq, Op = ReproOp.Alloc, Order = (int)op.Arg0, Gfp = (uint)op.Arg1, Page = h, Epoch = op.Epoch, Pfn = op.Ended && op.Result >= 0 ? op.Result : null,
                    Failed = op.Ended && op.Result < 0 ? true : null, DidNotReturn = notReturned, Reclaimed = reclaimed.Length > 0 ? reclaimed : null,
                };
            case AllocatorOp.Free:
                return new ReproOp
                {
                    Seq = seq, Op = ReproOp.Free, Order = (int)op.Arg1, Page = Take(op.Arg0, (int)op.Arg1, cpu, live, pages, ref handle), Epoch = op.Epoch,
                    DidNotReturn = notReturned,
                };
            case AllocatorOp.FreeBatch:
                var batch = new ReproFolio[folios.Length];
                for (var i = 0; i < folios.Length; i++)
                {
                    batch[i] = new ReproFolio(Take(folios[i].Arg0, (int)folios[i].Arg1, cpu, live, pages, ref handle), (int)folios[i].Arg1);
                }

                return new ReproOp { Seq = seq, Op = ReproOp.FreeBatch, Epoch = op.Epoch, DidNotReturn = notReturned, Folios = batch };
            case AllocatorOp.CpuDead:
                return new ReproOp { Seq = seq, Op = ReproOp.CpuDead, Target = (int)op.Arg0, Epoch = op.Epoch, DidNotReturn = notReturned };
            case AllocatorOp.CpuOnline:
                return new ReproOp { Seq = seq, Op = ReproOp.CpuOnline, Target = (int)op.Arg0, Epoch = op.Epoch, DidNotReturn = notReturned };
            case AllocatorOp.DecayPcpHigh:
                return new ReproOp { Seq = seq, Op = ReproOp.DecayPcpHigh, Epoch = op.Epoch, DidNotReturn = notReturned };
            case AllocatorOp.ClearWatermarkBoost:
                return new ReproOp { Seq = seq, Op = ReproOp.ClearBoost, Epoch = op.Epoch, DidNotReturn = notReturned };
            default:
                return new ReproOp { Seq = seq, Op = ReproOp.DrainAllPages, Epoch = op.Epoch, DidNotReturn = notReturned };
        }
    }

    /// <summary>The handle of the page a free of <paramref name="pfn"/> gives back: the live one, or a page from before the window.</summary>
    private static int Take(long pfn, int order, int cpu, Dictionary<long, (int Handle, int Order)> live, List<ReproPage> pages, ref int handle)
    {
        if (live.TryGetValue(pfn, out var p) && p.Order == order)
        {
            live.Remove(pfn);
            return p.Handle;
        }

        var h = handle++;
        pages.Add(new ReproPage(h, cpu, PageAlloc.IsValidOrder(order) ? order : 0, pfn));
        return h;
    }
}
