using System.Runtime.CompilerServices;
using PcpTestbed.Execution.Clocks;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.LockStat;

/// <summary>
/// lock_stat for the emulated locks: per lock class and per call site, acquisitions, contentions, trylock
/// failures (each with the site that held the lock), acq-bounces, con-bounces, wait times and hold times, and from
/// the sampled holds each CPU's lock duty. Fed by <see cref="LockStatProbe"/>; read with <see cref="Snapshot"/>.
/// </summary>
/// <remarks>
/// <para>
/// <b>Cost model.</b> A clock read (~26 ns here) costs more than an uncontended lock (~14 ns), so the recorder
/// reads the clock only where it is cheap relative to what is going on:
/// counters are exact and always kept (plain increments in the CPU's own record);
/// wait time is measured on every contended acquisition, from the first failed attempt to the acquisition,
/// as lock_stat does (a contention already costs far more than two clock reads);
/// hold time (acquire to release) is sampled: each acquisition is sampled with probability
/// 1/<see cref="HoldSampleInterval"/>. Both intervals are corrected for the cost of a clock read
/// (<see cref="LockClock"/>).
/// </para>
/// <para>
/// <b>Sampling.</b> Each CPU counts down a gap drawn from a geometric distribution with mean
/// <see cref="HoldSampleInterval"/> (from a per-CPU xorshift64*, seeded from <c>seed</c> and the CPU id), so
/// every acquisition is sampled independently with probability 1/N and an acquisition that is not sampled costs
/// one decrement. A fixed "every Nth" counter would alias with periodic workloads: a loop of alloc, free
/// samples only one of the two sites when N is even, and a refill every 64 allocations is always or never
/// sampled when N divides or is coprime to it. A random gap has no period to lock onto, and drawing it only
/// when a sample is taken keeps the per-acquisition cost below a per-acquisition random number.
/// Hold statistics report the sample size (<see cref="LockTimeStats.Count"/>); the /proc/lock_stat layout
/// extrapolates the total hold time.
/// </para>
/// <para>
/// <b>Virtual time.</b> Built with a virtual <see cref="IEngineClock"/> (the virtual-time engine's), every timestamp
/// is that CPU's virtual clock in ns, offset by 1 so that 0 still means "not timed" in <see cref="EmuSpinLock.HoldStart"/>
/// and in a wait start; intervals are exact differences, with no clock read to subtract (<see cref="ClockReadNs"/> is 0),
/// and reports say the times are virtual (<see cref="LockStatReport.VirtualTime"/>). Only the clock differs: the
/// counters, the sampling and the histograms are the same code.
/// </para>
/// <para>
/// <b>Storage.</b> Each CPU writes only its own cache-line-padded record and its own histogram buckets; nothing
/// on the recording path is shared between CPUs. <see cref="Snapshot"/> merges the records. It is exact when
/// the CPUs are quiescent (after a run, or inside a stop-the-world); while they run it reads racily and fields
/// may disagree by the operations in flight.
/// </para>
/// </remarks>
public sealed class LockStatRecorder
{
    /// <summary>
    /// The default hold sampling interval: the smallest power of two whose measured cost keeps recording within
    /// 1.5x of the lock work of an allocation and free (see INSTRUMENTATION.md).
    /// </summary>
    public const int DefaultHoldSampleInterval = 64;

    internal const int SlotCount = LockClasses.Count * LockSites.Count;

    private const int WaitKind = 0;
    private const int HoldKind = 1;
    private const int KindCount = 2;
    private const int BucketsPerCpu = KindCount * SlotCount * LogLinearHistogram.BucketCount;

    private readonly CpuLockStat[] _cpus;

    /// <summary>Per CPU, allocated by that CPU on its first timed event; written only by it.</summary>
    private readonly long[]?[] _buckets;

    /// <summary>1 / ln(1 - 1/N): turns a uniform draw into a geometric gap with mean N.</summary>
    private readonly double _gapScale;

    private readonly ulong _seed;

    /// <summary>The virtual clock times are taken from, or null for the host clock (<see cref="LockClock"/>).</summary>
    private readonly IEngineClock? _virtualClock;

    public LockStatRecorder(int cpuCount, int holdSampleInterval = DefaultHoldSampleInterval, ulong seed = 0x9E3779B97F4A7C15, IEngineClock? clock = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cpuCount, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(holdSampleInterval);
        CpuCount = cpuCount;
        HoldSampleInterval = holdSampleInterval;
        _seed = seed;
        _gapScale = holdSampleInterval > 1 ? 1.0 / Math.Log(1.0 - (1.0 / holdSampleInterval)) : 0;
        _cpus = new CpuLockStat[cpuCount];
        _buckets = new long[]?[cpuCount];
        _virtualClock = clock is { IsVirtual: true } ? clock : null;

        // Calibrate the clock now, before any CPU runs, rather than on the first sample. Virtual time costs no read.
        ClockReadNs = _virtualClock is null ? LockClock.ReadCostNs : 0;
        Reset();
    }

    public int CpuCount { get; }

    /// <summary>Hold time is sampled on 1 in this many acquisitions on average; 1 samples all, 0 none.</summary>
    public int HoldSampleInterval { get; }

    /// <summary>The calibrated cost of a clock read, subtracted from every measured interval; 0 in virtual time.</summary>
    public double ClockReadNs { get; }

    /// <summary>Times are virtual (from the virtual-time engine's cost model), not the host's.</summary>
    public bool VirtualTime => _virtualClock is not null;

    /// <summary>Clears every counter. Call only while no CPU operates on a lock.</summary>
    public void Reset()
    {
        for (var cpu = 0; cpu < CpuCount; cpu++)
        {
            _cpus[cpu] = default;
            _cpus[cpu].Rng = SeedFor(cpu);
            _cpus[cpu].HoldCountdown = NextGap(ref _cpus[cpu]);
            if (_buckets[cpu] is { } b)
            {
                Array.Clear(b);
            }
        }
    }

    /// <summary>
    /// Merges the per-CPU records into a report; exact when the CPUs are quiescent. Given the run time the CPUs ran
    /// for, it also estimates each CPU's lock duty (<see cref="LockDutyEstimator"/>) per class and site.
    /// </summary>
    public LockStatReport Snapshot(TimeSpan? runTime = null)
    {
        var runNs = runTime is { } t && t > TimeSpan.Zero && HoldSampleInterval != 0 ? t.TotalNanoseconds : (double?)null;
        var classes = new List<LockClassStats>(LockClasses.Count);
        for (var c = 0; c < LockClasses.Count; c++)
        {
            classes.Add(SnapshotClass((LockClass)c, runNs));
        }

        return new LockStatReport(CpuCount, HoldSampleInterval, ClockReadNs, classes) { VirtualTime = VirtualTime };
    }

    /// <summary>
    /// One class's wait and hold histograms merged over CPUs and sites, the data behind its percentiles (for
    /// plots). Exact when the CPUs are quiescent, like <see cref="Snapshot"/>.
    /// </summary>
    public LockClassHistograms Histograms(LockClass lockClass)
    {
        var wait = new LogLinearHistogram();
        var hold = new LogLinearHistogram();
        for (var site = 0; site < LockSites.Count; site++)
        {
            var slot = Slot(lockClass, (LockSite)site);
            for (var cpu = 0; cpu < CpuCount; cpu++)
            {
                var buckets = Volatile.Read(ref _buckets[cpu]);
                if (buckets is null)
                {
                    continue;
                }

                ref var s = ref _cpus[cpu].Sites[slot];
                wait.Add(buckets.AsSpan(BucketBase(WaitKind, slot), LogLinearHistogram.BucketCount), s.Wait.Count, s.Wait.TotalNs, s.Wait.MinNs, s.Wait.MaxNs);
                hold.Add(buckets.AsSpan(BucketBase(HoldKind, slot), LogLinearHistogram.BucketCount), s.Hold.Count, s.Hold.TotalNs, s.Hold.MinNs, s.Hold.MaxNs);
            }
        }

        return new LockClassHistograms(LockClasses.Name(lockClass), wait, hold);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int Slot(LockClass c, LockSite site) => ((int)c * LockSites.Count) + (int)site;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal long Contended(ref EmuSpinLock l, int cpu, LockSite site)
    {
        // The wait starts at the first failed attempt, which has just happened.
        var now = Now(cpu);
        ref var c = ref _cpus[cpu];
        ref var s = ref c.Sites[Slot(l.Class, site)];
        s.Contentions++;

        // Deliberately racy reads of holder-only fields: the holder may release and another CPU take the lock
        // meanwhile, which at worst attributes this contention to the newer holder.
        var last = Volatile.Read(ref l.LastHolder);
        if (last != cpu + 1 && last != 0)
        {
            s.ContentionBounces++;
        }

        c.Sites[Slot(l.Class, l.HoldSite)].Contending++;
        return now;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Acquired(ref EmuSpinLock l, int cpu, LockSite site, long waitStart)
    {
        ref var c = ref _cpus[cpu];
        ref var s = ref c.Sites[Slot(l.Class, site)];
        s.Acquisitions++;
        var last = l.LastHolder;
        if (last != cpu + 1 && last != 0)
        {
            s.Bounces++;
        }

        if (waitStart != 0)
        {
            AcquiredAfterWait(ref l, ref c, cpu, site, waitStart);
        }
        else if (--c.HoldCountdown == 0)
        {
            StartHoldSample(ref l, ref c, cpu);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void TrylockFailed(ref EmuSpinLock l, int cpu, LockSite site)
    {
        ref var c = ref _cpus[cpu];
        var slot = Slot(l.Class, site);
        c.Sites[slot].TrylockFailures++;

        // Deliberately racy read of a holder-only field, as Contended reads it for the contending points: the holder
        // may release, or a new holder not have written its site yet, which at worst names the previous holder.
        c.TrylockHolders[(slot * LockSites.Count) + (int)l.HoldSite]++;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Releasing(ref EmuSpinLock l, int cpu)
    {
        if (l.HoldStart != 0)
        {
            EndHoldSample(ref l, cpu);
        }
    }

    private static ulong Next(ref ulong state)
    {
        // xorshift64* (Vigna): three shifts and a multiply, full period over non-zero states.
        var x = state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        state = x;
        return x * 0x2545F4914F6CDD1DUL;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void AcquiredAfterWait(ref EmuSpinLock l, ref CpuLockStat c, int cpu, LockSite site, long waitStart)
    {
        var now = Now(cpu);
        Record(cpu, WaitKind, Slot(l.Class, site), IntervalNs(waitStart, now));

        // The contended acquisition still draws its hold sample like any other, so the sample stays unbiased;
        // the clock read just taken starts the hold for free.
        if (--c.HoldCountdown == 0)
        {
            c.HoldCountdown = NextGap(ref c);
            if (HoldSampleInterval != 0)
            {
                l.HoldStart = now;
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void StartHoldSample(ref EmuSpinLock l, ref CpuLockStat c, int cpu)
    {
        c.HoldCountdown = NextGap(ref c);
        if (HoldSampleInterval != 0)
        {
            // Last, so drawing the gap is not part of the measured hold.
            l.HoldStart = Now(cpu);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EndHoldSample(ref EmuSpinLock l, int cpu)
    {
        var ns = IntervalNs(l.HoldStart, Now(cpu));
        l.HoldStart = 0;
        Record(cpu, HoldKind, Slot(l.Class, l.HoldSite), ns);
    }

    /// <summary>A timestamp: the host clock's ticks, or the CPU's virtual ns + 1 (see the remarks).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long Now(int cpu) => _virtualClock is null ? LockClock.Now() : _virtualClock.NowNs(cpu) + 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long IntervalNs(long start, long end) => _virtualClock is null ? LockClock.IntervalNs(start, end) : end - start;

    private void Record(int cpu, int kind, int slot, long ns)
    {
        ref var s = ref _cpus[cpu].Sites[slot];
        if (kind == WaitKind)
        {
            s.Wait.Record(ns);
        }
        else
        {
            s.Hold.Record(ns);
        }

        var buckets = _buckets[cpu];
        if (buckets is null)
        {
            buckets = new long[BucketsPerCpu];

            // Publishes the zeroed array to Snapshot; only this CPU ever writes the slot.
            Volatile.Write(ref _buckets[cpu], buckets);
        }

        buckets[BucketBase(kind, slot) + LogLinearHistogram.BucketIndex(ns)]++;
    }

    private static int BucketBase(int kind, int slot) => ((kind * SlotCount) + slot) * LogLinearHistogram.BucketCount;

    private int NextGap(ref CpuLockStat c)
    {
        if (HoldSampleInterval == 0)
        {
            return int.MaxValue;
        }

        if (HoldSampleInterval == 1)
        {
            return 1;
        }

        // u in (0, 1]; floor(ln u / ln(1 - p)) + 1 is geometric with success probability p = 1/N.
        var u = ((Next(ref c.Rng) >> 11) + 1) * (1.0 / (1UL << 53));
        var gap = Math.Floor(Math.Log(u) * _gapScale) + 1;
        return gap >= int.MaxValue ? int.MaxValue : (int)gap;
    }

    private ulong SeedFor(int cpu)
    {
        // SplitMix64 of seed + cpu: distinct, well-mixed, never-zero xorshift states per CPU.
        var z = _seed + ((ulong)(cpu + 1) * 0x9E3779B97F4A7C15UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return z == 0 ? 1 : z;
    }

    private LockClassStats SnapshotClass(LockClass lockClass, double? runNs)
    {
        var (collisions, caused) = TrylockCollisions(lockClass);
        var siteDuties = new LockSiteDuty?[LockSites.Count];
        var duty = runNs is { } ns ? Duty(lockClass, ns, siteDuties) : null;
        var sites = new List<LockSiteStats>();
        var classWait = new LogLinearHistogram();
        var classHold = new LogLinearHistogram();
        long acquisitions = 0, contentions = 0, trylockFailures = 0, bounces = 0, contentionBounces = 0;
        for (var site = 0; site < LockSites.Count; site++)
        {
            var slot = Slot(lockClass, (LockSite)site);
            var wait = new LogLinearHistogram();
            var hold = new LogLinearHistogram();
            SiteCounters sum = default;
            for (var cpu = 0; cpu < CpuCount; cpu++)
            {
                ref var s = ref _cpus[cpu].Sites[slot];
                sum.Acquisitions += s.Acquisitions;
                sum.Bounces += s.Bounces;
                sum.Contentions += s.Contentions;
                sum.ContentionBounces += s.ContentionBounces;
                sum.TrylockFailures += s.TrylockFailures;
                sum.Contending += s.Contending;
                var buckets = Volatile.Read(ref _buckets[cpu]);
                if (buckets is not null)
                {
                    wait.Add(buckets.AsSpan(BucketBase(WaitKind, slot), LogLinearHistogram.BucketCount), s.Wait.Count, s.Wait.TotalNs, s.Wait.MinNs, s.Wait.MaxNs);
                    hold.Add(buckets.AsSpan(BucketBase(HoldKind, slot), LogLinearHistogram.BucketCount), s.Hold.Count, s.Hold.TotalNs, s.Hold.MinNs, s.Hold.MaxNs);
                }
            }

            acquisitions += sum.Acquisitions;
            contentions += sum.Contentions;
            trylockFailures += sum.TrylockFailures;
            bounces += sum.Bounces;
            contentionBounces += sum.ContentionBounces;
            classWait.Add(wait);
            classHold.Add(hold);
            if (sum.Acquisitions != 0 || sum.Contentions != 0 || sum.TrylockFailures != 0 || sum.Contending != 0 || caused[site] != 0)
            {
                sites.Add(new LockSiteStats(
                    LockSites.KernelName((LockSite)site),
                    sum.Acquisitions,
                    sum.Contentions,
                    sum.TrylockFailures,
                    sum.Bounces,
                    sum.ContentionBounces,
                    sum.Contending,
                    LockTimeStats.From(wait),
                    LockTimeStats.From(hold))
                {
                    TrylockCollisions = collisions[site],
                    TrylockFailuresCaused = caused[site],
                    Duty = siteDuties[site],
                });
            }
        }

        return new LockClassStats(
            LockClasses.Name(lockClass),
            LockClasses.KernelName(lockClass),
            acquisitions,
            contentions,
            trylockFailures,
            bounces,
            contentionBounces,
            LockTimeStats.From(classWait),
            LockTimeStats.From(classHold),
            sites)
        {
            Duty = duty,
        };
    }

    /// <summary>Per failing site, its collisions by holder site (most first); per site, the failures it caused as the holder.</summary>
    private (IReadOnlyList<TrylockCollision>[] Collisions, long[] Caused) TrylockCollisions(LockClass lockClass)
    {
        var collisions = new IReadOnlyList<TrylockCollision>[LockSites.Count];
        var caused = new long[LockSites.Count];
        var byHolder = new long[LockSites.Count];
        for (var site = 0; site < LockSites.Count; site++)
        {
            Array.Clear(byHolder);
            var slot = Slot(lockClass, (LockSite)site);
            for (var cpu = 0; cpu < CpuCount; cpu++)
            {
                ref var table = ref _cpus[cpu].TrylockHolders;
                for (var holder = 0; holder < LockSites.Count; holder++)
                {
                    byHolder[holder] += table[(slot * LockSites.Count) + holder];
                }
            }

            var list = new List<TrylockCollision>();
            for (var holder = 0; holder < LockSites.Count; holder++)
            {
                if (byHolder[holder] != 0)
                {
                    list.Add(new TrylockCollision(LockSites.KernelName((LockSite)holder), byHolder[holder]));
                    caused[holder] += byHolder[holder];
                }
            }

            collisions[site] = list.OrderByDescending(x => x.Count).ToList();
        }

        return (collisions, caused);
    }

    /// <summary>
    /// Each CPU's duty on the class over <paramref name="runNs"/>, and each site's (into <paramref name="siteDuties"/>):
    /// hold time estimated from the CPU's own samples (<see cref="LockDutyEstimator"/>).
    /// </summary>
    private LockDutyStats Duty(LockClass lockClass, double runNs, LockSiteDuty?[] siteDuties)
    {
        var cpus = new List<CpuLockDuty>(CpuCount);
        double classHoldNs = 0, classVariance = 0;
        for (var cpu = 0; cpu < CpuCount; cpu++)
        {
            HoldSampleSums pooled = default;
            for (var site = 0; site < LockSites.Count; site++)
            {
                pooled += HoldSums(cpu, Slot(lockClass, (LockSite)site));
            }

            var holdNs = LockDutyEstimator.HoldNs(pooled);
            var variance = LockDutyEstimator.HoldVarianceNs2(pooled);
            var relativeError = LockDutyEstimator.RelativeError(holdNs, variance);
            var share = holdNs / runNs;
            cpus.Add(new CpuLockDuty(cpu, Math.Min(share, 1), (long)Math.Round(holdNs), pooled.Acquisitions, pooled.Samples, relativeError,
                share > 1 || LockDutyEstimator.IsRough(pooled, relativeError)));
            classHoldNs += holdNs;
            classVariance += SummedVariance(variance, holdNs);
        }

        for (var site = 0; site < LockSites.Count; site++)
        {
            siteDuties[site] = SiteDuty(lockClass, (LockSite)site, runNs);
        }

        // zone->lock is one lock, whose holds never overlap: the CPUs' duties add up to the share of the run it was held.
        // pcp->lock is one lock per CPU, so the sum is no single lock's utilisation.
        var single = lockClass == LockClass.Zone;
        return new LockDutyStats(
            runNs / 1e9,
            cpus.Min(c => c.Duty),
            cpus.Average(c => c.Duty),
            cpus.Max(c => c.Duty),
            single ? cpus.Sum(c => c.Duty) : null,
            single ? LockDutyEstimator.RelativeError(classHoldNs, classVariance) : null,
            (long)Math.Round(classHoldNs),
            cpus.Any(c => c.FewSamples),
            cpus);
    }

    private LockSiteDuty? SiteDuty(LockClass lockClass, LockSite site, double runNs)
    {
        var slot = Slot(lockClass, site);
        HoldSampleSums total = default;
        double holdNs = 0, variance = 0, max = 0, sum = 0;
        var overflow = false;
        for (var cpu = 0; cpu < CpuCount; cpu++)
        {
            var sums = HoldSums(cpu, slot);
            var cpuHoldNs = LockDutyEstimator.HoldNs(sums);
            var cpuVariance = LockDutyEstimator.HoldVarianceNs2(sums);
            total += sums;
            holdNs += cpuHoldNs;
            variance += SummedVariance(cpuVariance, cpuHoldNs);
            var share = cpuHoldNs / runNs;
            overflow |= share > 1;
            max = Math.Max(max, Math.Min(share, 1));
            sum += Math.Min(share, 1);
        }

        if (total.Acquisitions == 0)
        {
            return null;
        }

        var relativeError = LockDutyEstimator.RelativeError(holdNs, variance);
        return new LockSiteDuty((long)Math.Round(holdNs), sum / CpuCount, max, total.Samples, relativeError,
            overflow || LockDutyEstimator.IsRough(total, relativeError));
    }

    /// <summary>
    /// A CPU's variance in a sum over CPUs. One sample tells no spread: its part counts as wholly uncertain (a relative
    /// error of 1), so a single CPU's few samples widen the sum's error without hiding the others' figures.
    /// </summary>
    private static double SummedVariance(double? variance, double holdNs) => variance ?? (holdNs * holdNs);

    /// <summary>One CPU's acquisitions and sampled holds at one slot, with the sum of squares from its hold histogram.</summary>
    private HoldSampleSums HoldSums(int cpu, int slot)
    {
        ref var s = ref _cpus[cpu].Sites[slot];
        var buckets = Volatile.Read(ref _buckets[cpu]);
        var squares = buckets is null || s.Hold.Count == 0
            ? 0
            : LogLinearHistogram.SumOfSquares(buckets.AsSpan(BucketBase(HoldKind, slot), LogLinearHistogram.BucketCount));
        return new HoldSampleSums(s.Acquisitions, s.Hold.Count, s.Hold.TotalNs, squares);
    }
}
