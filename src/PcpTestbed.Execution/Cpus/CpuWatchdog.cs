using System.Diagnostics;
using System.Globalization;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Cpus;

/// <summary>
/// The coordinator's watchdog over the emulated CPUs, after the kernel's soft-lockup detector and lockdep's
/// held-lock lists. While the coordinator waits it samples each CPU's <see cref="CpuActivity"/> record (which
/// allocator call it is in); when CPUs miss a quiescent point it writes a <see cref="StuckCpuReport"/>: per stuck CPU,
/// what it is doing, the locks it holds (read from the lock words: holding a lock costs nothing extra), the lock it
/// spins on and its holder, the chain of CPUs behind that lock, and what it looks like (<see cref="HangKind"/>).
/// The coordinator thread calls it, and a CPU taking another offline (the hotplug control task) while it waits; the
/// samples are serialized by a lock.
/// </summary>
/// <remarks>
/// How the verdict is reached, for a stuck CPU in an allocator call and spinning: follow "spins on a lock held by"
/// from CPU to CPU, collecting evidence that the locks are moving: the stuck CPU began its current spin after the
/// coordinator began waiting (it took locks and moved on meanwhile), a spinning CPU saw its lock word change (the spin
/// loop counts it, at no cost outside the slow path), or a CPU on the chain moved while the report read it.
/// <list type="bullet">
/// <item>Back to a CPU already on the chain, with nothing on the cycle moving: a <see cref="HangKind.Deadlock"/>.</item>
/// <item>Any evidence of movement: <see cref="HangKind.Starvation"/>, the locks change hands but not to this CPU.</item>
/// <item>Otherwise, to a holder in no allocator call (finished, died, parked, offline, between calls), or to a holder
/// that went on to other calls while the lock never changed hands: the lock is never released,
/// <see cref="HangKind.LockHolderGone"/>.</item>
/// <item>Otherwise, to a holder that stayed in one call, spinning on nothing: <see cref="HangKind.StuckInOperation"/>.</item>
/// </list>
/// A stuck CPU in a call but not spinning is <see cref="HangKind.StuckInOperation"/> if it stayed in that one call for
/// the whole wait, else (it keeps making calls) <see cref="HangKind.OutsideAllocator"/>, as is a stuck CPU in no call
/// holding no lock; one in no call holding a lock is <see cref="HangKind.LockHolderGone"/>. "Went on to other calls" is
/// decided from samples (a call first seen at one sample began after the previous one). The lock words are read
/// between two reads of the records: a CPU whose record differs between them counts as moving, and the record of a
/// CPU that did not move agrees with the lock words.
/// </remarks>
public sealed class CpuWatchdog
{
    /// <summary>How often a coordinator waiting for CPUs samples them.</summary>
    public static readonly TimeSpan SamplePeriod = TimeSpan.FromMilliseconds(100);

    private readonly int _cpus;
    private readonly CpuActivityTable? _activity;
    private readonly Func<IReadOnlyList<EmuSpinLock>>? _lockWords;

    // Under the lock on _seq (the waiting thread samples): per CPU the OpSeq last seen, the sample before the one that first saw
    // it (its call began after that; 0 when it was already running at the first sample) and that first sample.
    private readonly long[] _seq;
    private readonly long[] _beganAfter;
    private readonly long[] _seenAt;
    private long _lastSample;

    /// <param name="cpus">The machine's CPUs.</param>
    /// <param name="activity">The records the execution writes; without them a report can only give CPU states.</param>
    /// <param name="lockWords">Racy copies of every lock word (zone->lock, each pcp->lock); without them no locks are named.</param>
    /// <param name="label">What runs, for the report's first lines, e.g. <c>mixed, mainline</c>.</param>
    public CpuWatchdog(int cpus, CpuActivityTable? activity = null, Func<IReadOnlyList<EmuSpinLock>>? lockWords = null, string? label = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cpus, 1);
        if (activity != null && activity.CpuCount != cpus)
        {
            throw new ArgumentException($"the activity table has {activity.CpuCount} CPUs, the machine {cpus}", nameof(activity));
        }

        _cpus = cpus;
        _activity = activity;
        _lockWords = lockWords;
        Label = label;
        _seq = new long[cpus];
        _beganAfter = new long[cpus];
        _seenAt = new long[cpus];
    }

    public int CpuCount => _cpus;

    public string? Label { get; }

    public CpuActivityTable? Activity => _activity;

    /// <summary>Notes which CPUs began another allocator call since the last sample.</summary>
    public void Sample()
    {
        if (_activity == null)
        {
            return;
        }

        lock (_seq)
        {
            var now = Stopwatch.GetTimestamp();
            for (var cpu = 0; cpu < _cpus; cpu++)
            {
                var seq = _activity.OpSeq(cpu);
                if (seq != _seq[cpu])
                {
                    _seq[cpu] = seq;
                    _beganAfter[cpu] = _lastSample;
                    _seenAt[cpu] = now;
                }
            }

            _lastSample = now;
        }
    }

    /// <summary>
    /// Reports <paramref name="stuck"/>, the CPUs that did not reach a quiescent point within <paramref name="waited"/>
    /// of <paramref name="waitStartTicks"/> while the coordinator tried to <paramref name="operation"/>.
    /// </summary>
    /// <param name="state">Each CPU's state as the machine sees it.</param>
    /// <param name="fault">What a finished CPU's thread died of, or null.</param>
    public StuckCpuReport Report(string operation, TimeSpan waited, long waitStartTicks, IReadOnlyList<int> stuck,
        Func<int, CpuState> state, Func<int, Exception?> fault)
    {
        Sample();

        // The lock words and the records are read at different instants, and the coordinator may be preempted in
        // between: a CPU whose record changed across the read of the words is marked as moving, not trusted to match.
        var before = Enumerable.Range(0, _cpus).Select(c => _activity?.Read(c)).ToArray();
        var words = _lockWords?.Invoke() ?? [];
        var now = Stopwatch.GetTimestamp();
        var views = new CpuView[_cpus];
        for (var cpu = 0; cpu < _cpus; cpu++)
        {
            var after = _activity?.Read(cpu);
            views[cpu] = new CpuView(
                state(cpu),
                after,
                fault(cpu),
                [.. words.Where(w => w.HolderCpu == cpu).OrderBy(w => w.Class == LockClass.Zone ? 1 : 0).ThenBy(w => w.Instance)],
                before[cpu] is { } b && after is { } c && (b.OpSeq != c.OpSeq || b.Op != c.Op || b.Wait != c.Wait));
        }

        long[] beganAfter, seenAt;
        lock (_seq)
        {
            beganAfter = [.. _beganAfter];
            seenAt = [.. _seenAt];
        }

        var context = new ReportContext(views, words, now, waitStartTicks, beganAfter, seenAt);
        var cpus = stuck.Distinct().Order().Select(c => Block(context, c, waited)).ToList();
        var others = Enumerable.Range(0, _cpus)
            .Where(c => !stuck.Contains(c) && views[c].Held.Length > 0)
            .Select(c => new LockHolder(c, views[c].State, Doing(context, c) + (views[c].Moving ? "; moved on while being read" : ""), [.. views[c].Held.Select(Held)]))
            .ToList();
        var worst = cpus.Count == 0 ? HangKind.OutsideAllocator : cpus.Min(c => c.LooksLike);
        var first = cpus.FirstOrDefault(c => c.LooksLike == worst);
        var verdict = first == null
            ? "no CPU was stuck when the watchdog looked"
            : $"{HangKinds.Meaning(worst)}. {first.Why}";
        return new StuckCpuReport
        {
            Operation = operation,
            WaitedSeconds = waited.TotalSeconds,
            Label = Label,
            LooksLike = worst,
            Verdict = verdict,
            Cpus = cpus,
            OtherLockHolders = others,
            HolderFault = context.HolderFault,
        };
    }

    private StuckCpu Block(ReportContext ctx, int cpu, TimeSpan waited)
    {
        var v = ctx.Views[cpu];
        var a = v.Activity;
        var held = v.Held.Select(Held).ToList();
        var (kind, why, chain) = Analyze(ctx, cpu);
        var text = new List<string>
        {
            $"BUG: soft lockup - CPU#{cpu} stuck for {(int)Math.Round(waited.TotalSeconds)}s!{(Label != null ? $" [{Label}]" : "")}",
        };

        string? operation = null, function = null, where = null;
        double? age = null;
        var ageAtLeast = false;
        if (a is not null && ctx.SeenAt(cpu) != 0)
        {
            age = Seconds(ctx.Now - ctx.SeenAt(cpu));
            ageAtLeast = ctx.BeganAfter(cpu) == 0;
        }

        var ageText = age is { } s ? $", entered {(ageAtLeast ? "more than " : "")}{F(s)} s ago" : "";
        if (v.InCall && a is { Op: { } op } call)
        {
            operation = AllocatorOps.Describe(op, call.Arg0, call.Arg1);
            function = Function(v, op);
            text.Add($" doing: {operation} on CPU {cpu}{ageText}, in {function}");
        }
        else
        {
            where = Where(v);
            var last = a is { OpSeq: > 0 } && age is { } la ? $" (its last allocator call began {(ageAtLeast ? "more than " : "")}{F(la)} s ago)" : "";
            text.Add($" doing: {where} on CPU {cpu}, in no allocator call{last}");
        }

        text.Add(held.Count == 0 ? $" no locks held by CPU {cpu}" : $" {held.Count} lock{(held.Count == 1 ? "" : "s")} held by CPU {cpu}:");
        for (var i = 0; i < held.Count; i++)
        {
            text.Add($"  #{i}: {held[i].Lock}, acquired at {held[i].Site}");
        }

        LockWait? spinning = null;
        if (v.InCall && a is { Wait: { } w })
        {
            var word = ctx.Word(w.Class, w.Instance);
            var holder = word is { HolderCpu: >= 0 } h ? h.HolderCpu : (int?)null;
            spinning = new LockWait(LockName(w.Class, w.Instance), LockSites.KernelName(w.Site), Seconds(ctx.Now - w.StartTicks), w.Handovers, holder,
                holder != null ? LockSites.KernelName(word!.Value.HoldSite) : null);
            var hands = w.Handovers == 0 ? "; it has not changed hands meanwhile" : $"; it changed hands {w.Handovers} times meanwhile";
            text.Add(holder != null
                ? $" spinning on {spinning.Lock}, held by CPU {holder} (acquired at {spinning.HolderSite}), for {F(spinning.Seconds)} s{hands}"
                : $" spinning on {spinning.Lock} for {F(spinning.Seconds)} s{hands}; it reads free at this instant");
        }

        text.AddRange(chain.Select(line => "  " + line));
        if (v.Fault is { } f)
        {
            text.Add($" died: {f.GetType().Name}: {OneLine(f.Message)}");
        }

        text.Add($" looks like: {Short(kind)}: {why}");
        return new StuckCpu
        {
            Cpu = cpu,
            State = v.State,
            Operation = operation,
            Function = function,
            Where = where,
            CallAgeSeconds = age,
            CallAgeAtLeast = ageAtLeast,
            HeldLocks = held,
            SpinningOn = spinning,
            Chain = chain,
            Fault = v.Fault is { } e ? $"{e.GetType().Name}: {OneLine(e.Message)}" : null,
            LooksLike = kind,
            Why = why,
            Text = text,
        };
    }

    /// <summary>Follows "spins on a lock held by" from <paramref name="cpu"/> (see the type remarks).</summary>
    private static (HangKind Kind, string Why, List<string> Chain) Analyze(ReportContext ctx, int cpu)
    {
        var chain = new List<string>();
        var self = ctx.Views[cpu];
        if (!self.InCall)
        {
            return self.Held.Length > 0 && !self.Moving
                ? (HangKind.LockHolderGone, $"CPU {cpu} is in no allocator call ({Where(self)}) yet holds {LockName(self.Held[0])}, taken at {LockSites.KernelName(self.Held[0].HoldSite)}", chain)
                : (HangKind.OutsideAllocator, $"CPU {cpu} is in no allocator call ({Where(self)}) and holds no lock", chain);
        }

        if (self.Activity is not { Wait: { } first })
        {
            var allAlong = ctx.SeenAt(cpu) != 0 && ctx.SeenAt(cpu) <= ctx.WaitStart && !self.Moving;
            return allAlong
                ? (HangKind.StuckInOperation, $"CPU {cpu} stayed in one allocator call for the whole wait, spinning on no lock", chain)
                : (HangKind.OutsideAllocator, $"CPU {cpu} keeps making allocator calls but does not get back to a quiescent point between them", chain);
        }

        // Evidence that the locks are moving: a design verdict needs none of it.
        string? progress = null;
        if (first.StartTicks > ctx.WaitStart || self.Moving)
        {
            progress = $"CPU {cpu} is not stuck in one place: it has taken locks and moved on inside its allocator call while the coordinator waited " +
                       $"(it began spinning on {LockName(first.Class, first.Instance)} {F(Seconds(ctx.Now - first.StartTicks))} s ago, the wait began " +
                       $"{F(Seconds(ctx.Now - ctx.WaitStart))} s ago), yet the CPUs it waits for keep getting the locks first";
        }

        var path = new List<int> { cpu };
        var x = cpu;
        while (true)
        {
            // x is in an allocator call, spinning on w.
            var w = ctx.Views[x].Activity!.Value.Wait!.Value;
            var name = LockName(w.Class, w.Instance);
            var spun = F(Seconds(ctx.Now - w.StartTicks));
            var word = ctx.Word(w.Class, w.Instance);
            var holder = word?.HolderCpu ?? -1;
            if (holder < 0)
            {
                return (HangKind.Starvation, progress ?? $"{name}, which CPU {x} has spun on for {spun} s, reads free: it is changing hands without reaching CPU {x}", chain);
            }

            // The spinning CPU saw the lock word change: the lock is being released and taken, just never by it.
            if (progress == null && w.Handovers > 0)
            {
                progress = $"{name} changed hands {w.Handovers} times while CPU {x} spun on it for {spun} s, " +
                           $"yet CPU {x} never got it{(x != cpu ? $" (and CPU {cpu} waits behind CPU {x})" : "")}";
            }

            if (path.Contains(holder))
            {
                // A cycle is a deadlock only if nothing on it moved: the words and records are read racily.
                var cycle = path.Skip(path.IndexOf(holder)).ToList();
                var still = cycle.All(c => !ctx.Views[c].Moving && ctx.Views[c].Activity is { Wait.Handovers: 0 });
                if (still)
                {
                    return (HangKind.Deadlock, $"a wait-for cycle: {string.Join(" -> ", cycle.Append(holder).Select(c => $"CPU {c}"))}", chain);
                }

                return (HangKind.Starvation, progress ?? "the CPUs on the chain moved while the report read them: the locks are changing hands", chain);
            }

            if (x != cpu)
            {
                chain.Add($"CPU {x} spins on {name} held by CPU {holder} (acquired at {LockSites.KernelName(word!.Value.HoldSite)}) for {spun} s");
            }

            chain.Add($"CPU {holder}: {Doing(ctx, holder)}");
            var h = ctx.Views[holder];
            if (progress == null && h.Moving)
            {
                progress = $"CPU {holder}, which holds {name}, moved on to other work while the report read it: the lock is changing hands";
            }

            if (!h.InCall)
            {
                if (progress != null)
                {
                    return (HangKind.Starvation, progress, chain);
                }

                if (h.Fault is { } fault)
                {
                    ctx.HolderFault ??= fault;
                }

                return (HangKind.LockHolderGone, $"CPU {holder} holds {name} but is in no allocator call: {Where(h)}", chain);
            }

            if (h.Activity is { Wait: not null })
            {
                path.Add(holder);
                x = holder;
                continue;
            }

            // The end of the chain: a holder in a call, spinning on nothing.
            if (progress != null)
            {
                return (HangKind.Starvation, progress, chain);
            }

            return ctx.BeganAfter(holder) >= w.StartTicks
                ? (HangKind.LockHolderGone,
                    $"{name} never changed hands while CPU {x} spun on it for {spun} s, yet its holder CPU {holder} went on to other allocator calls: " +
                    "it keeps the lock across calls (returned from one holding it)", chain)
                : (HangKind.StuckInOperation,
                    $"CPU {holder} holds {name} in one allocator call it has not left since before CPU {x} began spinning, and spins on no lock", chain);
        }
    }

    /// <summary>One phrase for what a CPU is doing, for chain lines and the other lock holders.</summary>
    private static string Doing(ReportContext ctx, int cpu)
    {
        var v = ctx.Views[cpu];
        if (!v.InCall || v.Activity is not { Op: { } op } a)
        {
            return Where(v);
        }

        var doing = $"in {AllocatorOps.Describe(op, a.Arg0, a.Arg1)}, {Function(v, op)}";
        if (a.Wait is { } w)
        {
            doing += $", spinning on {LockName(w.Class, w.Instance)} for {F(Seconds(ctx.Now - w.StartTicks))} s";
        }

        return doing;
    }

    /// <summary>The kernel function: the site of the lock it spins on, else of its innermost held lock, else the call's own name.</summary>
    private static string Function(in CpuView v, AllocatorOp op) =>
        v.Activity is { Wait: { } w } ? LockSites.KernelName(w.Site)
        : v.Held.Length > 0 ? LockSites.KernelName(v.Held[^1].HoldSite)
        : AllocatorOps.KernelName(op);

    /// <summary>Where a CPU is when it is in no allocator call.</summary>
    private static string Where(in CpuView v) => v.State switch
    {
        CpuState.Finished when v.Fault is { } f => $"died of {f.GetType().Name}{Inside(v)}",
        CpuState.Finished => "finished (its body returned)",
        CpuState.Parked => "parked at a quiescent point for a stop-the-world",
        CpuState.Offline => "offline, parked at a quiescent point",
        CpuState.NotStarted => "not started",
        _ => v.Activity?.Note ?? "running its body between allocator calls",
    };

    /// <summary>" inside" the call a dead CPU was in, if it died in one.</summary>
    private static string Inside(in CpuView v) => v.Activity is { Op: { } op } a ? $" inside {AllocatorOps.Describe(op, a.Arg0, a.Arg1)}" : "";

    private static HeldLockReport Held(EmuSpinLock l) => new(LockName(l), LockSites.KernelName(l.HoldSite));

    private static string LockName(EmuSpinLock l) => LockName(l.Class, l.Instance);

    /// <summary>lockdep's names: <c>&amp;zone->lock</c>, <c>&amp;pcp->lock#3</c> (the instance is the CPU).</summary>
    public static string LockName(LockClass c, int instance) =>
        c == LockClass.Zone ? LockClasses.KernelName(c) : $"{LockClasses.KernelName(c)}#{instance}";

    private static string Short(HangKind kind) => kind switch
    {
        HangKind.Deadlock => "a deadlock (design)",
        HangKind.LockHolderGone => "a lock never released (design)",
        HangKind.StuckInOperation => "a livelock (design)",
        HangKind.Starvation => "starvation (testbed)",
        HangKind.OutsideAllocator => "stuck outside the allocator (testbed)",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static double Seconds(long ticks) => Math.Max(0, ticks) / (double)Stopwatch.Frequency;

    private static string F(double seconds) => seconds.ToString("0.0", CultureInfo.InvariantCulture);

    private static string OneLine(string s) => s.ReplaceLineEndings(" ");

    /// <summary>
    /// One CPU as the report sees it: the machine's state, its activity record, its fault, the locks it holds
    /// (pcp->lock before zone->lock, the lock order), and whether it moved on while the report was read.
    /// </summary>
    private readonly record struct CpuView(CpuState State, CpuActivitySnapshot? Activity, Exception? Fault, EmuSpinLock[] Held, bool Moving)
    {
        /// <summary>Running and inside an allocator call.</summary>
        public bool InCall => State == CpuState.Running && Activity is { Op: not null };
    }

    /// <summary>What one report reads: the CPUs, the lock words, the clock, and the samples' bounds on when each CPU's call began.</summary>
    private sealed class ReportContext(CpuView[] views, IReadOnlyList<EmuSpinLock> words, long now, long waitStart,
        long[] beganAfter, long[] seenAt)
    {
        public CpuView[] Views { get; } = views;

        public long Now { get; } = now;

        /// <summary>When the coordinator began the wait that ran out.</summary>
        public long WaitStart { get; } = waitStart;

        public Exception? HolderFault { get; set; }

        /// <summary>A sample time before <paramref name="cpu"/>'s current call began; 0 when it was running at the first sample.</summary>
        public long BeganAfter(int cpu) => beganAfter[cpu];

        /// <summary>The sample that first saw <paramref name="cpu"/>'s current call; 0 when never sampled.</summary>
        public long SeenAt(int cpu) => seenAt[cpu];

        public EmuSpinLock? Word(LockClass c, int instance)
        {
            foreach (var w in words)
            {
                if (w.Class == c && w.Instance == instance)
                {
                    return w;
                }
            }

            return null;
        }
    }
}
