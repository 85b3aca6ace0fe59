using PcpTestbed.Coyote;
using PcpTestbed.Coyote.Dfs;
using PcpTestbed.Model.Sync;
using Xunit.Abstractions;

namespace PcpTestbed.Coyote.Tests;

/// <summary>
/// The reduction loses nothing within the bound: on thousands of small random programs (2-3 CPUs of reads, writes,
/// locks and trylocks, with points inside critical sections, some critical sections touching memory their lock guards
/// without a point of their own as the model's zone does, half of the programs grouped into operations, on locations
/// every lock guards or on PCP fields one lock guards each, run by a model of our scheduler's semantics), the set of
/// outcomes (final memory, what each read saw, each trylock's result, the memory the auditor saw at each quiescent
/// point, deadlocks) the reduced search reaches at bounds 0 to 3 is exactly the set every schedule within the bound
/// reaches, and it never runs more schedules.
/// </summary>
public sealed class DporCompletenessTests(ITestOutputHelper output)
{
    /// <summary>
    /// With <paramref name="pcpLocations"/> false the locations are struct pages, which every lock guards (the lock-guard
    /// rule makes every step of a CPU holding a lock dependent with every access); with it true they are PCP fields
    /// guarded by one pcp->lock each, as the model's points inside critical sections are (pcp#0.count and pcp#0.lists by
    /// lock 0, pcp#1.count by lock 1), so a step under one lock commutes with another CPU's steps on what that lock
    /// does not guard.
    /// </summary>
    [Theory]
    [InlineData(2, 1, 600, false)]
    [InlineData(2, 3, 600, false)]
    [InlineData(3, 2, 120, false)]
    [InlineData(3, 4, 120, false)]
    [InlineData(2, 5, 600, true)]
    [InlineData(3, 6, 120, true)]
    public void Reduced_search_reaches_every_outcome_of_the_full_search_within_the_bound(int cpus, int seed, int programs, bool pcpLocations)
    {
        var random = new Random(seed);
        long full = 0, reduced = 0;
        for (var n = 0; n < programs; n++)
        {
            var program = SimProgram.Random(random, cpus, pcpLocations);
            for (var bound = 0; bound <= 3; bound++)
            {
                var (allOutcomes, allCount) = program.Explore(bound, reduce: false);
                var (someOutcomes, someCount) = program.Explore(bound, reduce: true);
                Assert.True(allOutcomes.SetEquals(someOutcomes),
                    $"program {n} at bound {bound}:\n{program}\nfull search: {string.Join(" | ", allOutcomes.Order())}\nreduced: {string.Join(" | ", someOutcomes.Order())}");
                Assert.True(someCount <= allCount, $"program {n} at bound {bound}: {someCount} reduced schedules > {allCount}\n{program}");
                full += allCount;
                reduced += someCount;
            }
        }

        output.WriteLine($"{full} schedules in the full searches, {reduced} reduced");
    }

    /// <summary>A program of straight-line CPU scripts, and a model of how our scheduler runs it.</summary>
    private sealed class SimProgram(List<SimOp>[] scripts, bool pcpLocations)
    {
        public static SimProgram Random(Random r, int cpus, bool pcpLocations)
        {
            var scripts = new List<SimOp>[cpus];
            var inOperations = r.Next(2) == 0;
            for (var c = 0; c < cpus; c++)
            {
                if (!inOperations)
                {
                    scripts[c] = Accesses(r, r.Next(1, 5));
                    continue;
                }

                scripts[c] = [];
                for (var operations = r.Next(1, 3); operations > 0; operations--)
                {
                    scripts[c].Add(new SimOp(SimKind.Begin, 0));
                    scripts[c].AddRange(Accesses(r, r.Next(1, 3)));
                    scripts[c].Add(new SimOp(SimKind.End, 0));
                }
            }

            return new SimProgram(scripts, pcpLocations);
        }

        private static List<SimOp> Accesses(Random r, int length)
        {
            {
                var ops = new List<SimOp>();
                var held = -1;
                while (ops.Count < length || held >= 0)
                {
                    var roll = r.Next(10);
                    if (held >= 0 && (roll < 3 || ops.Count >= length))
                    {
                        ops.Add(new SimOp(SimKind.Unlock, held));
                        held = -1;
                    }
                    else if (roll < 4 && held < 0)
                    {
                        // Half the critical sections touch memory with no point of their own, right after taking the lock,
                        // as the model's do: only memory that lock guards (lock 0 guards locations 0 and 2, lock 1 location 1).
                        held = r.Next(2);
                        var hidden = r.Next(4);
                        var guarded = held == 0 ? 2 * r.Next(2) : 1;
                        ops.Add(new SimOp(hidden switch { 0 => SimKind.LockThenRead, 1 => SimKind.LockThenWrite, _ => SimKind.Lock }, held, guarded));
                    }
                    else if (roll < 5)
                    {
                        ops.Add(new SimOp(SimKind.TryLock, r.Next(2)));
                    }
                    else
                    {
                        ops.Add(new SimOp(roll < 7 ? SimKind.Read : SimKind.Write, r.Next(3)));
                    }
                }

                return ops;
            }
        }

        public override string ToString() =>
            string.Join("\n", scripts.Select((s, c) => $"CPU {c}: " + string.Join(" ", s)));

        public (HashSet<string> Outcomes, int Schedules) Explore(int bound, bool reduce)
        {
            var search = new DporSearch(bound, reduce);
            var outcomes = new HashSet<string>();
            var count = 0;
            do
            {
                var (outcome, trace) = Run(search);
                outcomes.Add(outcome);
                count++;
                Assert.True(count < 1_000_000, "the search does not end");
                if (!search.Advance(trace))
                {
                    break;
                }
            }
            while (true);

            Assert.Null(search.Nondeterminism);
            return (outcomes, count);
        }

        private (string Outcome, List<ExecutedStep> Trace) Run(IScheduleChooser chooser)
        {
            var cpus = scripts.Length;
            var pc = new int[cpus]; // -1: not started
            Array.Fill(pc, -1);
            var waiting = new bool[cpus];
            var memory = new int[3];
            var holder = new[] { -1, -1 };
            var waiters = new int[2];
            var logs = Enumerable.Range(0, cpus).Select(_ => new List<string>()).ToArray();
            var audits = new List<string>();
            var busy = 0;
            var trace = new List<ExecutedStep>();
            var previous = -1;
            while (true)
            {
                var enabled = 0;
                var live = false;
                for (var c = 0; c < cpus; c++)
                {
                    if (pc[c] >= scripts[c].Count)
                    {
                        continue;
                    }

                    live = true;
                    if (pc[c] < 0 || !waiting[c] || holder[scripts[c][pc[c]].Arg] < 0)
                    {
                        enabled |= 1 << c;
                    }
                }

                if (enabled == 0)
                {
                    var state = string.Join(",", memory) + "/" + string.Join(";", logs.Select(l => string.Join(",", l))) + "/audits " + string.Join(";", audits);
                    return (live ? "deadlock " + state : state, trace);
                }

                var cpu = chooser.Choose(null!, trace.Count, enabled, previous);
                Assert.True((enabled & (1 << cpu)) != 0);
                var heldMask = 0L;
                for (var l = 0; l < holder.Length; l++)
                {
                    heldMask |= holder[l] == cpu ? Footprint.LockBit(LockClass.Pcp, l) : 0;
                }

                trace.Add(new ExecutedStep(cpu, enabled, previous, Pending(cpu, pc[cpu]), heldMask));
                previous = cpu;
                if (pc[cpu] < 0)
                {
                    pc[cpu] = 0;
                    continue;
                }

                var op = scripts[cpu][pc[cpu]];
                switch (op.Kind)
                {
                    case SimKind.Read:
                        logs[cpu].Add($"r{op.Arg}={memory[op.Arg]}");
                        break;
                    case SimKind.Write:
                        memory[op.Arg] = (cpu * 10) + pc[cpu] + 1;
                        break;
                    case SimKind.TryLock:
                        logs[cpu].Add(holder[op.Arg] < 0 && waiters[op.Arg] == 0 ? $"t{op.Arg}+" : $"t{op.Arg}-");
                        break;
                    case SimKind.Unlock:
                        holder[op.Arg] = -1;
                        break;
                    case SimKind.Begin:
                        busy++;
                        break;
                    case SimKind.End when --busy == 0:
                        audits.Add(string.Join(",", memory));
                        break;
                    case SimKind.End:
                        break;
                    case SimKind.Lock or SimKind.LockThenRead or SimKind.LockThenWrite when holder[op.Arg] < 0:
                        if (waiting[cpu])
                        {
                            waiting[cpu] = false;
                            waiters[op.Arg]--;
                        }

                        holder[op.Arg] = cpu;
                        if (op.Kind == SimKind.LockThenRead)
                        {
                            logs[cpu].Add($"h{op.Arg2}={memory[op.Arg2]}");
                        }
                        else if (op.Kind == SimKind.LockThenWrite)
                        {
                            memory[op.Arg2] = (cpu * 10) + pc[cpu] + 1;
                        }

                        break;
                    case SimKind.Lock or SimKind.LockThenRead or SimKind.LockThenWrite:
                        // A waiter from now on; it stays at this point and cannot run until the lock is free.
                        waiting[cpu] = true;
                        waiters[op.Arg]++;
                        continue;
                }

                pc[cpu]++;
            }
        }

        private PendingStep Pending(int cpu, int pc)
        {
            if (pc < 0)
            {
                return PendingStep.Start;
            }

            var op = scripts[cpu][pc];
            return op.Kind switch
            {
                SimKind.Read => PendingStep.OnLocation(PointKind.Read, Location(op.Arg), AccessSite.Scenario),
                SimKind.Write => PendingStep.OnLocation(PointKind.Write, Location(op.Arg), AccessSite.Scenario),
                SimKind.Lock or SimKind.LockThenRead or SimKind.LockThenWrite => PendingStep.OnLock(PointKind.Lock, LockClass.Pcp, op.Arg, LockSite.PcpDrain),
                SimKind.TryLock => PendingStep.OnLock(PointKind.TryLock, LockClass.Pcp, op.Arg, LockSite.PcpAlloc),
                SimKind.Begin => PendingStep.OpBegin,
                SimKind.End => PendingStep.OpEnd,
                _ => PendingStep.OnLock(PointKind.Unlock, LockClass.Pcp, op.Arg, LockSite.PcpDrain),
            };
        }

        /// <summary>
        /// Struct pages, which every lock guards (so a critical section's hidden access conflicts with a page's points), or
        /// PCP fields that only their own CPU's pcp->lock guards: lock 0 guards locations 0 and 2, lock 1 location 1.
        /// </summary>
        private SharedLocation Location(int arg) => !pcpLocations ? SharedLocation.Page(arg) : arg switch
        {
            0 => SharedLocation.PcpCount(0),
            1 => SharedLocation.PcpCount(1),
            _ => SharedLocation.PcpLists(0),
        };
    }

    private enum SimKind
    {
        Read,
        Write,
        Lock,
        Unlock,
        TryLock,
        Begin,
        End,

        /// <summary>Lock(Arg), then a read of Arg2 in the same step, with no point of its own.</summary>
        LockThenRead,

        /// <summary>Lock(Arg), then a write of Arg2 in the same step, with no point of its own.</summary>
        LockThenWrite,
    }

    private readonly record struct SimOp(SimKind Kind, int Arg, int Arg2 = 0)
    {
        public override string ToString() => Kind is SimKind.LockThenRead or SimKind.LockThenWrite ? $"{Kind}({Arg},{Arg2})" : $"{Kind}({Arg})";
    }
}
