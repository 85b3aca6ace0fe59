using System.Diagnostics;
using System.Runtime.CompilerServices;
using PcpTestbed.Model.Audit;
using PcpTestbed.Model.Layout;
using Xunit.Abstractions;

namespace PcpTestbed.Model.Tests;

/// <summary>
/// Randomized buddy operations checked step by step against <see cref="BuddyReference"/>: no overlap,
/// exact counters, __rmqueue()'s decision order (highatomic, CMA balancing, own type, CMA mode, fallback,
/// highatomic last resort), justified block relabels, highatomic reserve/unreserve, and a clean audit after
/// every single step. Fixed seeds: a failure names its shape, seed and step and replays exactly.
/// </summary>
public class ReferenceModelTests(ITestOutputHelper output)
{
    private const int Block = PageAlloc.PageblockNrPages;

    private static readonly MigrateType[] RequestTypes = [MigrateType.Unmovable, MigrateType.Movable, MigrateType.Reclaimable];

    // Order weights: small orders dominate, as in a real workload; 9 and 10 exercise whole blocks.
    private static readonly int[] OrderWeights = [25, 12, 10, 10, 5, 5, 5, 5, 5, 10, 8];

    public static TheoryData<string, int, int> Runs => new()
    {
        { "all-movable", 1, 19_000 },
        { "cma-60", 2, 19_000 },
        { "unmovable-reclaimable", 3, 19_000 },
        { "highatomic", 4, 10_000 },
        { "odd-blocks", 5, 19_000 },
        { "image", 6, 19_000 },
    };

    private static Zone BuildShape(string shape) => shape switch
    {
        "all-movable" => ZoneBuilder.Build(ZoneSpec.Parse("16M")),
        "cma-60" => ZoneBuilder.Build(ZoneSpec.Parse("16M,cma=60%")),
        "unmovable-reclaimable" => ZoneBuilder.Build(ZoneSpec.Parse("16M,unmovable=2@start,reclaimable=2@spread")),
        // A reserve needs 1% of the zone to reach a pageblock: 256 MiB caps it at ALIGN(655, 512) = two blocks.
        "highatomic" => ZoneBuilder.Build(ZoneSpec.Parse("256M,highatomic=1,unmovable=4@start,cma=4@end")),
        "odd-blocks" => ZoneBuilder.Build(ZoneSpec.Parse("14M,unmovable=2@end")),
        "image" => ZoneBuilder.BuildImage(ImportedImage()),
        _ => throw new ArgumentOutOfRangeException(nameof(shape)),
    };

    /// <summary>A zone as /proc would describe it: mixed types, one isolated block, allocated and reserved pages.</summary>
    private static ZoneImage ImportedImage()
    {
        var blocks = new int[MigrateTypes.Count];
        blocks[(int)MigrateType.Movable] = 6;
        blocks[(int)MigrateType.Unmovable] = 2;
        blocks[(int)MigrateType.Reclaimable] = 2;
        blocks[(int)MigrateType.Cma] = 2;
        blocks[(int)MigrateType.Isolate] = 1;
        var free = new long[MigrateTypes.Count, PageAlloc.NrPageOrders];
        free[(int)MigrateType.Movable, 10] = 1;
        free[(int)MigrateType.Movable, 9] = 1;
        free[(int)MigrateType.Cma, 9] = 1;
        free[(int)MigrateType.Isolate, 3] = 1;
        int[] movable = [3, 2, 2, 1, 1, 1, 1, 0, 1];
        int[] unmovable = [2, 2, 1, 1, 0, 1, 0, 1, 0];
        int[] reclaimable = [1, 1, 1, 0, 1, 0, 0, 0, 1];
        for (var order = 0; order < PageAlloc.PageblockOrder; order++)
        {
            free[(int)MigrateType.Movable, order] = movable[order];
            free[(int)MigrateType.Unmovable, order] = unmovable[order];
            free[(int)MigrateType.Reclaimable, order] = reclaimable[order];
        }

        free[(int)MigrateType.Cma, 2] = 1;
        return new ZoneImage
        {
            Name = "imported",
            BlockCounts = blocks,
            FreeChunks = free,
            ManagedPages = 13 * Block - 64,
            Watermarks = new Watermarks(32, 40, 48, 56),
            StartPfn = 0x80000,
        };
    }

    private sealed class Stats
    {
        public int AllocOk;
        public int AllocFailed;
        public int Frees;
        public int FallbackAllocs;
        public int PredictedFallbacks;
        public int HighatomicAllocs;
        public int LastResortAllocs;
        public int Reserves;
        public int Unreserves;
        public int UnreserveMerges;
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public void Random_buddy_operations_agree_with_the_reference_model_and_audit_clean_after_every_step(string shape, int seed, int steps)
    {
        var clock = Stopwatch.StartNew();
        var zone = BuildShape(shape);
        var reference = new BuddyReference(zone);
        var rng = new Random(seed);
        var stats = new Stats();
        AssertClean(zone, reference, $"{shape} seed {seed}: the built zone");
        CheckCounters(zone, reference, reference.ReadBlockTypes(), $"{shape} seed {seed}: the built zone");

        for (var step = 0; step < steps; step++)
        {
            var where = $"{shape} seed {seed} step {step}";
            var freeFraction = (double)reference.FreeOutsideIsolate(reference.ReadBlockTypes()) / zone.ManagedPages;
            // Keep the zone nearly full, so that fallbacks and failures are common. The large highatomic zone
            // alternates: eased, so that the reserve grows and shrinks, then filled to the brim without touching
            // the reserve, so that non-blocking requests reach it as a last resort.
            var fill = shape == "highatomic" && step / 750 % 2 == 1;
            var pAlloc = fill ? 0.9
                : shape == "highatomic" ? (freeFraction > 0.4 ? 0.6 : 0.35)
                : freeFraction > 0.3 ? 0.75 : freeFraction < 0.05 ? 0.3 : 0.55;
            var roll = rng.NextDouble();
            string done;
            if (roll < 0.03 && !fill)
            {
                done = Unreserve(zone, reference, rng, stats, where);
            }
            else if (reference.Chunks.Count == 0 || roll < 0.03 + pAlloc * 0.97)
            {
                done = Allocate(zone, reference, rng, stats, where, fill ? ~AllocFlags.HighAtomic : ~(AllocFlags)0);
            }
            else
            {
                done = Free(zone, reference, rng, stats, where);
            }

            CheckCounters(zone, reference, reference.ReadBlockTypes(), $"after {done}");
            AssertClean(zone, reference, done);
        }

        output.WriteLine(
            $"{shape} seed {seed}: {steps} steps in {clock.ElapsedMilliseconds} ms; allocations {stats.AllocOk} ok / {stats.AllocFailed} failed " +
            $"({stats.FallbackAllocs} by fallback, {stats.PredictedFallbacks} of them with claim or steal predicted, {stats.HighatomicAllocs} from highatomic, {stats.LastResortAllocs} as a last resort), frees {stats.Frees}, " +
            $"claims {zone.Events.Claims}, steals {zone.Events.Steals}, cma {zone.Events.CmaAllocations}, " +
            $"reserves {stats.Reserves}, unreserves {stats.Unreserves} ({stats.UnreserveMerges} merged with a free buddy block)");

        // The run must have exercised what it checks; a broken setup cannot pass quietly.
        Assert.True(stats.AllocOk > 1000 && stats.AllocFailed > 100 && stats.Frees > 1000, $"{shape}: too little happened");
        Assert.True(zone.Events.Claims > 0, $"{shape}: no block was claimed");
        if (shape != "highatomic")
        {
            // The 128-block zone nearly always has a whole free block to claim; the small zones steal.
            Assert.True(zone.Events.Steals > 0, $"{shape}: no page was stolen");
        }
        if (shape is "cma-60" or "image" or "highatomic")
        {
            Assert.True(zone.Events.CmaAllocations > 0, $"{shape}: CMA was never used");
        }

        if (shape == "highatomic")
        {
            Assert.True(stats.Reserves > 0 && stats.Unreserves > 0 && stats.HighatomicAllocs > 0, $"{shape}: the reserve was never exercised");
            Assert.True(stats.LastResortAllocs > 0, $"{shape}: no request fell back to the reserve as a last resort");
        }
    }

    private static AllocFlags RandomFlags(Random rng)
    {
        var flags = AllocFlags.WmarkLow;
        if (rng.NextDouble() < 0.3)
        {
            flags |= AllocFlags.Cma;
        }

        if (rng.NextDouble() < 0.2)
        {
            flags |= AllocFlags.NoFragment;
        }

        if (rng.NextDouble() < 0.15)
        {
            flags |= AllocFlags.HighAtomic;
        }

        if (rng.NextDouble() < 0.15)
        {
            flags |= AllocFlags.NonBlock;
        }

        if (rng.NextDouble() < 0.05)
        {
            flags |= AllocFlags.Oom;
        }

        if (rng.NextDouble() < 0.1)
        {
            flags |= AllocFlags.MinReserve;
        }

        if (rng.NextDouble() < 0.3)
        {
            flags |= AllocFlags.Kswapd;
        }

        return flags;
    }

    private static int RandomOrder(Random rng)
    {
        var r = rng.Next(OrderWeights.Sum());
        for (var order = 0; ; order++)
        {
            r -= OrderWeights[order];
            if (r < 0)
            {
                return order;
            }
        }
    }

    /// <summary>Where __rmqueue() (inside rmqueue_buddy()) must take the pages from, given the state before the call.</summary>
    private enum Source
    {
        Exact,      // a named type's own lists
        Fallback,   // claimed or stolen from a fallback type
        WholeBlock, // NOFRAGMENT: only a wholly free fallback block, claimed
        LastResort, // HIGHATOMIC for OOM and non-blocking requests, after __rmqueue() failed
        Fail,
    }

    private static (Source Source, MigrateType Type) Expect(BuddyReference reference, MigrateType[] types, int order, MigrateType mt, AllocFlags flags)
    {
        bool Has(MigrateType t) => reference.HasRange(types, t, order);
        if (flags.Has(AllocFlags.HighAtomic) && Has(MigrateType.HighAtomic))
        {
            return (Source.Exact, MigrateType.HighAtomic);
        }

        // NR_FREE_CMA_PAGES > NR_FREE_PAGES / 2, from the reference's own counts.
        if (flags.Has(AllocFlags.Cma) && reference.FreeIn(types, MigrateType.Cma) > reference.FreeOutsideIsolate(types) / 2 && Has(MigrateType.Cma))
        {
            return (Source.Exact, MigrateType.Cma);
        }

        if (Has(mt))
        {
            return (Source.Exact, mt);
        }

        if (flags.Has(AllocFlags.Cma) && Has(MigrateType.Cma))
        {
            return (Source.Exact, MigrateType.Cma);
        }

        var f0 = MigrateTypes.Fallback(mt, 0);
        var f1 = MigrateTypes.Fallback(mt, 1);
        if (flags.Has(AllocFlags.NoFragment))
        {
            var whole = Math.Max(order, PageAlloc.PageblockOrder);
            if (reference.HasRange(types, f0, whole) || reference.HasRange(types, f1, whole))
            {
                return (Source.WholeBlock, mt);
            }
        }
        else if (Has(f0) || Has(f1))
        {
            return (Source.Fallback, mt);
        }

        if (flags.Has(AllocFlags.Oom | AllocFlags.NonBlock) && Has(MigrateType.HighAtomic))
        {
            return (Source.LastResort, MigrateType.HighAtomic);
        }

        return (Source.Fail, mt);
    }

    private static string Allocate(Zone zone, BuddyReference reference, Random rng, Stats stats, string where, AllocFlags allowed)
    {
        var order = RandomOrder(rng);
        var mt = RequestTypes[rng.Next(10) switch { < 3 => 0, < 8 => 1, _ => 2 }];
        var flags = RandomFlags(rng) & allowed;
        var before = reference.ReadBlockTypes();
        var (source, type) = Expect(reference, before, order, mt, flags);
        var what = $"{where}: order-{order} {mt} request with {flags}";

        int pfn;
        using (zone.Locked())
        {
            pfn = zone.RmqueueBuddyLocked(order, mt, flags);
        }

        var after = reference.ReadBlockTypes();
        if (source == Source.Fail)
        {
            Check(pfn == -1, $"{what}: the reference finds no usable free range, yet got pfn {pfn}");
            CheckNoTypeChange(before, after, what);
            stats.AllocFailed++;
            return $"{what}: failed";
        }

        Check(pfn >= 0, $"{what}: failed although the reference expects {source} from {type}");
        Check((pfn & ((1 << order) - 1)) == 0 && pfn + (1 << order) <= zone.PresentPages, $"{what}: pfn {pfn} misaligned or outside");
        Check(reference.RangeFree(pfn, order), $"{what}: pfn {pfn} overlaps an allocated or reserved page");
        Check(zone.Pages[pfn].State == PageState.InFlight && zone.Pages[pfn].Order == order, $"{what}: pfn {pfn} is {zone.Pages[pfn].State} order {zone.Pages[pfn].Order}");
        var block = pfn / Block;
        var from = before[block];
        Check(from != MigrateType.Isolate, $"{what}: served from an ISOLATE block");
        if (order > PageAlloc.PageblockOrder)
        {
            Check(before[block + 1] == from, $"{what}: an order-10 chunk across {from} and {before[block + 1]} blocks");
        }

        switch (source)
        {
            case Source.Exact:
            case Source.LastResort:
                Check(from == type, $"{what}: expected pages from {type}, got pfn {pfn} in a {from} block");
                CheckNoTypeChange(before, after, what);
                if (type == MigrateType.HighAtomic)
                {
                    stats.HighatomicAllocs++;
                }

                if (source == Source.LastResort)
                {
                    stats.LastResortAllocs++;
                }

                break;
            case Source.Fallback:
            case Source.WholeBlock:
                Check(from == MigrateTypes.Fallback(mt, 0) || from == MigrateTypes.Fallback(mt, 1), $"{what}: fallback from {from}, not a fallback of {mt}");
                CheckFallbackRelabel(reference, before, after, block, order, mt, source == Source.WholeBlock, what);
                if (source == Source.Fallback)
                {
                    var predicted = PredictClaim(reference, before, order, mt);
                    var claimed = after[block] != before[block];
                    Check(predicted == ClaimOutcome.Unknown || claimed == (predicted == ClaimOutcome.Claim),
                        $"{what}: the reference predicts {predicted}, the block was {(claimed ? "claimed" : "stolen from")}");
                    stats.PredictedFallbacks += predicted == ClaimOutcome.Unknown ? 0 : 1;
                }

                stats.FallbackAllocs++;
                break;
        }

        reference.MarkAllocated(pfn, order, mt);
        zone.PrepNewPage(pfn, order, mt);
        stats.AllocOk++;

        var result = $"{what}: pfn {pfn} from a {from} block ({source})";
        if (flags.Has(AllocFlags.HighAtomic))
        {
            result += Reserve(zone, reference, pfn, order, stats, result);
        }

        return result;
    }

    /// <summary>should_try_claim_block() as KERNEL.md states it: a chunk of order 4 or more, or an unmovable or reclaimable request.</summary>
    private static bool MayClaimFrom(int chunkOrder, MigrateType mt) => chunkOrder >= 4 || mt != MigrateType.Movable;

    /// <summary>try_to_claim_block()'s threshold for a block below pageblock order: free + alike pages reach half the block.</summary>
    private static bool ClaimThresholdMet(BuddyReference reference, int block, MigrateType blockType, MigrateType mt)
    {
        var free = reference.FreeInBlock(block);
        var movable = reference.MovableInBlock(block);
        var alike = mt == MigrateType.Movable ? movable : blockType == MigrateType.Movable ? Block - (free + movable) : 0;
        return free + alike >= Block / 2;
    }

    private enum ClaimOutcome
    {
        Claim,   // every chunk __rmqueue_claim() could try first leads to a claim
        NoClaim, // none can: the pages are stolen
        Unknown, // it depends on which chunk heads the free list, which the reference does not model
    }

    /// <summary>
    /// Replays __rmqueue_claim()'s scan on the reference: orders from the top down, the first fallback type in
    /// table order that has a chunk at that order, then that chunk's block. Since the list head is unknown, the
    /// outcome is known only when all candidate blocks at the deciding order agree.
    /// </summary>
    private static ClaimOutcome PredictClaim(BuddyReference reference, MigrateType[] types, int order, MigrateType mt)
    {
        for (var cur = PageAlloc.MaxPageOrder; cur >= order; cur--)
        {
            if (!MayClaimFrom(cur, mt))
            {
                return ClaimOutcome.NoClaim;
            }

            foreach (var fb in new[] { MigrateTypes.Fallback(mt, 0), MigrateTypes.Fallback(mt, 1) })
            {
                var candidates = ChunkBlocks(reference, types, fb, cur);
                if (candidates.Count == 0)
                {
                    continue;
                }

                if (cur >= PageAlloc.PageblockOrder)
                {
                    return ClaimOutcome.Claim;
                }

                var met = candidates.Count(b => ClaimThresholdMet(reference, b, fb, mt));
                if (met == candidates.Count)
                {
                    return ClaimOutcome.Claim;
                }

                if (met > 0)
                {
                    return ClaimOutcome.Unknown;
                }

                break; // the chunk tried at this order fails: the scan moves one order down
            }
        }

        return ClaimOutcome.NoClaim;
    }

    /// <summary>Blocks of type <paramref name="mt"/> that hold a free chunk of exactly <paramref name="order"/>, as the buddy allocator must hold them.</summary>
    private static List<int> ChunkBlocks(BuddyReference reference, MigrateType[] types, MigrateType mt, int order)
    {
        var blocks = new List<int>();
        for (var b = 0; b < types.Length; b++)
        {
            if (types[b] != mt || reference.FreeInBlock(b) == 0)
            {
                continue;
            }

            if (reference.WhollyFree(b))
            {
                var pair = b ^ 1;
                var merged = pair < types.Length && types[pair] == mt && reference.WhollyFree(pair);
                if ((merged ? PageAlloc.MaxPageOrder : PageAlloc.PageblockOrder) == order && (!merged || b < pair))
                {
                    blocks.Add(b);
                }
            }
            else if (order < PageAlloc.PageblockOrder && reference.FreeChunksIn(b).Any(c => c.Order == order))
            {
                blocks.Add(b);
            }
        }

        return blocks;
    }

    /// <summary>A fallback may relabel only the blocks it took pages from, only to the requested type, and only with reason.</summary>
    private static void CheckFallbackRelabel(
        BuddyReference reference, MigrateType[] before, MigrateType[] after, int block, int order, MigrateType mt, bool wholeOnly, string what)
    {
        var changed = Enumerable.Range(0, before.Length).Where(b => before[b] != after[b]).ToArray();
        var from = before[block];
        if (changed.Length == 0)
        {
            // A steal: the block keeps its type.
            Check(!wholeOnly, $"{what}: NOFRAGMENT stole pages without claiming a whole block");
            return;
        }

        Check(changed.Contains(block), $"{what}: relabelled blocks [{string.Join(',', changed)}] but served pfn block {block}");
        foreach (var c in changed)
        {
            Check(c == block || c == (block ^ 1), $"{what}: relabelled block {c}, not block {block} or its buddy");
            Check(before[c] == from && after[c] == mt, $"{what}: block {c} went {before[c]} -> {after[c]}, expected {from} -> {mt}");
        }

        var whole = reference.WhollyFree(block);
        if (changed.Length == 2 || wholeOnly)
        {
            Check(changed.All(reference.WhollyFree), $"{what}: claimed block(s) [{string.Join(',', changed)}] whole but they were not wholly free");
            return;
        }

        if (whole)
        {
            return; // a wholly free block is always taken whole
        }

        // A partial claim: try_to_claim_block()'s threshold with its alike-pages rule, and should_try_claim_block().
        var free = reference.FreeInBlock(block);
        var movable = reference.MovableInBlock(block);
        var alike = mt == MigrateType.Movable ? movable : from == MigrateType.Movable ? Block - (free + movable) : 0;
        Check(free + alike >= Block / 2, $"{what}: claimed block {block} with {free} free + {alike} alike pages < {Block / 2}");
        Check(MayClaimFrom(reference.MaxFreeOrder(block), mt), $"{what}: claimed block {block} whose largest free chunk is order {reference.MaxFreeOrder(block)}");
        Check(order < PageAlloc.PageblockOrder, $"{what}: a partial claim for order {order}");
    }

    private static string Reserve(Zone zone, BuddyReference reference, int pfn, int order, Stats stats, string what)
    {
        var before = reference.ReadBlockTypes();
        var cap = zone.HighatomicMaxPages;
        long reserved = before.Count(t => t == MigrateType.HighAtomic) * (long)Block;
        var mayGrow = cap > 0 && reserved < cap;
        Check(zone.HighatomicReserveMayGrow() == mayGrow, $"{what}: reserve may grow says {!mayGrow}, cap {cap}, reserved {reserved}");
        if (order > PageAlloc.PageblockOrder && reserved + (1 << order) > cap)
        {
            // The kernel would overshoot the cap by a block here, which the auditor rejects: tested on its own.
            return ", reservation skipped (would pass the cap)";
        }

        bool done;
        using (zone.Locked())
        {
            done = zone.ReserveHighatomicPageblockLocked(pfn, order);
        }

        var after = reference.ReadBlockTypes();
        var block = pfn / Block;
        var expected = mayGrow && MigrateTypes.IsMergeable(before[block]);
        Check(done == expected, $"{what}: reserve returned {done}, expected {expected} (cap {cap}, reserved {reserved}, block {before[block]})");
        if (!done)
        {
            CheckNoTypeChange(before, after, what);
            return ", not reserved";
        }

        var blocks = order > PageAlloc.PageblockOrder ? new[] { block, block + 1 } : new[] { block };
        for (var b = 0; b < before.Length; b++)
        {
            var want = blocks.Contains(b) ? MigrateType.HighAtomic : before[b];
            Check(after[b] == want, $"{what}: after reserving, block {b} is {after[b]}, expected {want}");
        }

        stats.Reserves++;
        return $", reserved block(s) [{string.Join(',', blocks)}]";
    }

    private static string Unreserve(Zone zone, BuddyReference reference, Random rng, Stats stats, string where)
    {
        var force = rng.NextDouble() < 0.3;
        var toMt = RequestTypes[rng.Next(RequestTypes.Length)];
        var what = $"{where}: unreserve to {toMt}{(force ? " (forced)" : "")}";
        var before = reference.ReadBlockTypes();
        long reserved = before.Count(t => t == MigrateType.HighAtomic) * (long)Block;
        var may = zone.HighatomicMayUnreserve(force);
        Check(may == (force || reserved > Block), $"{what}: may unreserve says {may} with {reserved} reserved");
        if (!may)
        {
            return $"{what}: not allowed";
        }

        // The lowest-order free HIGHATOMIC chunks, as the buddy allocator must hold them.
        var candidates = new List<int[]>();
        var lowest = int.MaxValue;
        for (var b = 0; b < before.Length; b++)
        {
            if (before[b] != MigrateType.HighAtomic || reference.FreeInBlock(b) == 0)
            {
                continue;
            }

            int order;
            int[] blocks;
            if (reference.WhollyFree(b))
            {
                var pair = b ^ 1;
                var merged = pair < before.Length && before[pair] == MigrateType.HighAtomic && reference.WhollyFree(pair);
                order = merged ? PageAlloc.MaxPageOrder : PageAlloc.PageblockOrder;
                blocks = merged ? [Math.Min(b, pair), Math.Max(b, pair)] : [b];
            }
            else
            {
                order = reference.FreeChunksIn(b).Min(c => c.Order);
                blocks = [b];
            }

            if (order < lowest)
            {
                lowest = order;
                candidates.Clear();
            }

            if (order == lowest && !candidates.Any(c => c.SequenceEqual(blocks)))
            {
                candidates.Add(blocks);
            }
        }

        int moved;
        using (zone.Locked())
        {
            moved = zone.UnreserveHighatomicPageblockLocked(toMt);
        }

        var after = reference.ReadBlockTypes();
        if (candidates.Count == 0)
        {
            Check(moved == 0, $"{what}: no free highatomic page, yet {moved} moved");
            CheckNoTypeChange(before, after, what);
            return $"{what}: nothing to release";
        }

        Check(moved > 0, $"{what}: nothing released though order-{lowest} highatomic chunks are free");
        // A released wholly free block merges with a wholly free mergeable buddy block, which takes its type.
        var changed = Enumerable.Range(0, before.Length).Where(b => before[b] != after[b]).ToArray();
        var released = changed.Where(b => before[b] == MigrateType.HighAtomic).ToArray();
        Check(candidates.Any(c => c.SequenceEqual(released)), $"{what}: released blocks [{string.Join(',', released)}], expected one of the order-{lowest} chunks' blocks");
        foreach (var c in changed.Except(released))
        {
            Check(lowest == PageAlloc.PageblockOrder && released.Contains(c ^ 1) && reference.WhollyFree(c) && MigrateTypes.IsMergeable(before[c]) && after[c] == toMt,
                $"{what}: block {c} went {before[c]} -> {after[c]} without merging with a released buddy");
            stats.UnreserveMerges++;
        }

        changed = released;
        foreach (var c in changed)
        {
            Check(before[c] == MigrateType.HighAtomic && after[c] == toMt, $"{what}: block {c} went {before[c]} -> {after[c]}");
        }

        if (lowest < PageAlloc.PageblockOrder)
        {
            Check(moved == reference.FreeInBlock(changed[0]), $"{what}: moved {moved} pages, the block has {reference.FreeInBlock(changed[0])} free");
        }

        stats.Unreserves++;
        return $"{what}: released [{string.Join(',', changed)}], {moved} moved";
    }

    private static string Free(Zone zone, BuddyReference reference, Random rng, Stats stats, string where)
    {
        var index = rng.Next(reference.Chunks.Count);
        var (pfn, order, _) = reference.Chunks[index];
        var what = $"{where}: free order-{order} pfn {pfn}";
        var before = reference.ReadBlockTypes();

        using (zone.Locked())
        {
            var relative = zone.ValidateFree(zone.AbsolutePfn(pfn), order);
            Check(relative == pfn, $"{what}: ValidateFree returned {relative}");
            zone.FreeOnePageLocked(relative, order);
        }

        reference.MarkFree(index);
        var after = reference.ReadBlockTypes();

        // Only "match buddy type" relabels on a free: the buddy block of a freed block takes its type when both are
        // mergeable and now wholly free.
        var first = pfn / Block;
        var last = (pfn + (1 << order) - 1) / Block;
        for (var c = 0; c < before.Length; c++)
        {
            if (before[c] == after[c])
            {
                continue;
            }

            var partner = c ^ 1;
            Check(partner < before.Length && (c >= first && c <= last || partner >= first && partner <= last),
                $"{what}: block {c} changed type, far from the freed chunk");
            Check(MigrateTypes.IsMergeable(before[c]) && MigrateTypes.IsMergeable(before[partner]) && after[c] == before[partner],
                $"{what}: block {c} went {before[c]} -> {after[c]} next to a {before[partner]} block");
            Check(reference.WhollyFree(c) && reference.WhollyFree(partner), $"{what}: relabelled block {c} but the pair is not wholly free");
        }

        stats.Frees++;
        return what;
    }

    private static void CheckCounters(Zone zone, BuddyReference reference, MigrateType[] types, string where)
    {
        var free = reference.FreeOutsideIsolate(types);
        var isolated = reference.FreeIn(types, MigrateType.Isolate);
        Check(zone.NrFreePages == free, $"{where}: NR_FREE_PAGES {zone.NrFreePages}, reference {free}");
        Check(zone.NrFreePages + isolated == reference.Present - reference.AllocatedPages - reference.ReservedPages,
            $"{where}: NR_FREE_PAGES + isolated free {zone.NrFreePages + isolated} != present - allocated - reserved");
        Check(zone.NrFreeCmaPages == reference.FreeIn(types, MigrateType.Cma), $"{where}: NR_FREE_CMA_PAGES {zone.NrFreeCmaPages}");
        Check(zone.NrFreeHighatomic == reference.FreeIn(types, MigrateType.HighAtomic), $"{where}: nr_free_highatomic {zone.NrFreeHighatomic}");
        Check(zone.NrReservedHighatomic == types.Count(t => t == MigrateType.HighAtomic) * (long)Block, $"{where}: nr_reserved_highatomic {zone.NrReservedHighatomic}");
        for (var b = 0; b < types.Length; b++)
        {
            Check(zone.Blocks[b].ZoneFree == reference.FreeInBlock(b), $"{where}: block {b} zone-free {zone.Blocks[b].ZoneFree}, reference {reference.FreeInBlock(b)}");
        }
    }

    private static void AssertClean(Zone zone, BuddyReference reference, string where)
    {
        var report = ZoneAuditor.Audit(zone);
        Check(report.IsClean, $"after {where}: {report}");
        Check(report.Census.AllocatedPages == reference.AllocatedPages, $"after {where}: census allocated {report.Census.AllocatedPages}, reference {reference.AllocatedPages}");
        Check(report.Census.ReservedPages == reference.ReservedPages, $"after {where}: census reserved {report.Census.ReservedPages}");
    }

    private static void CheckNoTypeChange(MigrateType[] before, MigrateType[] after, string what)
    {
        for (var b = 0; b < before.Length; b++)
        {
            Check(before[b] == after[b], $"{what}: block {b} changed {before[b]} -> {after[b]}");
        }
    }

    // Interpolated messages are built only when a check fails.
    private static void Check(bool ok, [InterpolatedStringHandlerArgument(nameof(ok))] CheckMessage message)
    {
        if (!ok)
        {
            Assert.Fail(message.ToString());
        }
    }
}
