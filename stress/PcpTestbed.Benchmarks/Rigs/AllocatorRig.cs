using PcpTestbed.Designs;
using PcpTestbed.Execution.Cpus;
using PcpTestbed.Execution.Locking;
using PcpTestbed.Execution.Recorder;
using PcpTestbed.Execution.LockStat;
using PcpTestbed.Model;
using PcpTestbed.Model.Layout;

namespace PcpTestbed.Benchmarks.Rigs;

/// <summary>
/// A design over <c>OsExecution</c> with lock recording on or off, on a fresh zone, driven by one thread with
/// explicit CPU ids. The benchmark classes hold this base type; the loops live in <see cref="AllocatorRig{TProbe}"/>,
/// where the allocator's type is concrete, so a switched-off probe inlines away exactly as it does in a run.
/// Every loop runs many operations per (virtual) call, so the dispatch to the rig is amortized.
/// </summary>
public abstract class AllocatorRig
{
    /// <summary>Emulated CPUs: CPU 0 allocates; CPU 1 is the remote freer. PCP sizing splits the zone across both.</summary>
    public const int Cpus = 2;

    /// <summary>The gfp of every benchmarked allocation: a user page fault's (movable, may use CMA).</summary>
    public const Gfp PairGfp = Gfp.HighUserMovable;

    protected AllocatorRig(Zone zone) => Zone = zone;

    public Zone Zone { get; }

    public abstract IPageAllocator Allocator { get; }

    /// <summary>
    /// Builds a zone of <paramref name="zoneGiB"/> GiB (every block MOVABLE, all free, as after boot) and the design
    /// over it, lockdep off: the measured runs leave lockdep's held-lock assertions out, as a production kernel does.
    /// </summary>
    public static AllocatorRig Create(DesignKind design, LockRecording recording, int zoneGiB) => Create(design, recording, zoneGiB, null, null);

    /// <summary>
    /// As above, with each CPU noting what it does in <paramref name="activity"/> (as a run's CPUs do, for the stuck-CPU
    /// report) and its operations in <paramref name="recorder"/> (the flight recorder), when given.
    /// </summary>
    public static AllocatorRig Create(DesignKind design, LockRecording recording, int zoneGiB, CpuActivityTable? activity, FlightRecorder? recorder)
    {
        var zone = ZoneBuilder.Build(ZoneSpec.OfBytes((long)zoneGiB << 30));
        var config = new AllocatorConfig { Cpus = Cpus, Lockdep = false };
        return recording == LockRecording.Off
            ? new AllocatorRig<NoLockProbe>(zone, AllocatorFactory.Create(design, zone, config, new OsExecution<NoLockProbe>(default, activity, recorder)))
            : new AllocatorRig<LockStatProbe>(zone, AllocatorFactory.Create(design, zone, config,
                new OsExecution<LockStatProbe>(new LockStatProbe(new LockStatRecorder(Cpus)), activity, recorder)));
    }

    /// <summary><paramref name="count"/> times: allocate a chunk of <paramref name="order"/> on <paramref name="cpu"/> and free it there.</summary>
    public abstract void Pairs(int cpu, int order, int count);

    /// <summary><paramref name="count"/> times: allocate on <paramref name="allocCpu"/>, free on <paramref name="freeCpu"/>.</summary>
    public abstract void RemotePairs(int allocCpu, int freeCpu, int order, int count);

    /// <summary>alloc_pages() on <paramref name="cpu"/>; throws if it fails (a benchmark must never measure a failure path by accident).</summary>
    public abstract long Allocate(int cpu, int order);

    public abstract void Free(int cpu, long pfn, int order);

    public abstract void DrainAllPages(int cpu);

    /// <summary>
    /// Warms the path up, then runs it again checking that it is the steady state the benchmark claims: every
    /// allocation a PCP hit, no refill, no bulk free, no trylock failure, and no managed allocation. Throws
    /// otherwise, so a change that moves the hot path off the PCP (or makes it allocate) fails the dry run in CI.
    /// </summary>
    public void VerifyPcpHitSteadyState(Action<int> run, string what)
    {
        const int warmup = 20_000;
        const int measured = 10_000;
        run(warmup);
        Allocator.ResetStats();
        var before = GC.GetAllocatedBytesForCurrentThread();
        run(measured);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var s = Allocator.Stats();
        var problems = new List<string>();
        if (s.PcpAllocations != s.Allocations)
        {
            problems.Add($"{s.Allocations - s.PcpAllocations} of {s.Allocations} allocations missed the PCP");
        }

        if (s.Refills != 0)
        {
            problems.Add($"{s.Refills} refills");
        }

        if (s.BulkFrees != 0)
        {
            problems.Add($"{s.BulkFrees} bulk frees");
        }

        if (s.PcpAllocTrylockFailures + s.PcpFreeTrylockFailures + s.RemoteFreeFallbacks != 0)
        {
            problems.Add("trylock failures");
        }

        if (allocated != 0)
        {
            problems.Add($"{allocated} bytes of managed allocation over {measured} operations");
        }

        if (problems.Count != 0)
        {
            throw new InvalidOperationException($"{what} on {Designs.Designs.Name(Allocator.Design)} is not a steady PCP hit: {string.Join("; ", problems)}");
        }

        Allocator.ResetStats();
    }

    /// <summary>The managed bytes this thread allocates over <paramref name="count"/> operations of <paramref name="run"/>, after a warm-up.</summary>
    public static long AllocatedBytes(Action<int> run, int count)
    {
        run(count);
        var before = GC.GetAllocatedBytesForCurrentThread();
        run(count);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
