using PcpTestbed.Designs;
using PcpTestbed.Execution.Clocks;
using PcpTestbed.Execution.Lockdep;
using PcpTestbed.Execution.LockStat;
using PcpTestbed.Model;
using PcpTestbed.Model.Sync;
using PcpTestbed.Workloads.Faults;
using PcpTestbed.Workloads.Kinds;
using PcpTestbed.Workloads.Observe;
using PcpTestbed.Workloads.Reclaim;
using PcpTestbed.Workloads.Work;

namespace PcpTestbed.Workloads.Run;

/// <summary>
/// What a run is made of, whichever engine drives its CPUs: the zone and the allocator set up as both engines set them
/// up (<see cref="Create{TExec}"/>), then the workload, its kernel work, the faults, the sampler and the auditor the
/// driver builds over its engine. <see cref="RunReport"/> ends the run and reports it from these.
/// </summary>
internal sealed class RunParts
{
    private RunParts(RunOptions options, Zone zone, IPageAllocator allocator, ReclaimModel? reclaim, int kswapdCpu, long background,
        WorkloadSizes sizes, long prefilled, LockStatRecorder? recorder, LockdepState? lockdep)
    {
        Options = options;
        Zone = zone;
        Allocator = allocator;
        Reclaim = reclaim;
        KswapdCpu = kswapdCpu;
        Background = background;
        Sizes = sizes;
        Prefilled = prefilled;
        Recorder = recorder;
        Lockdep = lockdep;
    }

    /// <summary>
    /// A CPU's random stream for the drain storm's draw after each step: the same on both engines, so the same seed storms
    /// the same steps.
    /// </summary>
    public static Support.CpuRandom DrainStormRandom(RunOptions options, int cpu) => new(options.Seed ^ 0x5DEECE66DL, cpu);

    public RunOptions Options { get; }

    public Zone Zone { get; }

    public IPageAllocator Allocator { get; }

    public ReclaimModel? Reclaim { get; }

    /// <summary>kswapd's CPU (the one after the workload's) in a pressure run, else -1.</summary>
    public int KswapdCpu { get; }

    /// <summary>Pages allocated before the run that nobody frees (the zone's own).</summary>
    public long Background { get; }

    public WorkloadSizes Sizes { get; }

    /// <summary>The page cache a pressure run filled before it started.</summary>
    public long Prefilled { get; }

    public LockStatRecorder? Recorder { get; }

    public LockdepState? Lockdep { get; }

    public required Workload Workload { get; init; }

    public required KernelWork Work { get; init; }

    public FaultInjector? Faults { get; init; }

    public required FreePageSampler FreePages { get; init; }

    public required RunAuditor Auditor { get; init; }

    /// <summary>Pages someone holds: the workload, the page cache, the memory hog. Exact at quiescent points.</summary>
    public long Held() => Workload.HeldPages + (Reclaim?.CachedPages ?? 0) + (Faults?.HeldPages ?? 0);

    /// <summary>Where the run is at <paramref name="elapsed"/>, with the <paramref name="operations"/> the driver counted so far.</summary>
    public RunProgress Progress(TimeSpan elapsed, long operations) =>
        new(elapsed, Options.Duration, operations, Options.OperationsPerCpu * Options.Cpus, Auditor.Count, Auditor.Violations,
            Faults?.Offlines ?? 0, Faults?.Onlines ?? 0, Faults?.Exhaustions ?? 0, Cycles());

    /// <summary>The workload's completed cycles, a racy sum while the CPUs run.</summary>
    private long Cycles()
    {
        long cycles = 0;
        for (var cpu = 0; cpu < Workload.Counters.Length; cpu++)
        {
            cycles += Volatile.Read(ref Workload.Counters[cpu].Cycles);
        }

        return cycles;
    }

    /// <summary>The allocator's configuration: kswapd gets a CPU of its own in a pressure run.</summary>
    public static AllocatorConfig Config(RunOptions o, ReclaimModel? reclaim) => new()
    {
        Cpus = o.Cpus + (reclaim != null ? 1 : 0),
        Highatomic = o.Highatomic,
        Reclaim = (IReclaimHooks?)reclaim ?? NoReclaim.Instance,
        Lockdep = o.Lockdep,
        DebugVm = o.DebugVm ? new Model.Audit.VmWarnings() : null,
        Bugs = o.Bugs,
        PageblockRefillWithinHigh = o.RefillWithinHigh,
        UnchunkedPcpFree = o.UnchunkedPcpFree,
    };

    /// <summary>
    /// Builds the allocator over <paramref name="exec"/>, sizes the workload, fills a pressure run's page cache and zeroes
    /// the statistics, so the set-up is not measured; then <paramref name="build"/> adds what the driver builds.
    /// </summary>
    public static RunParts Create<TExec>(RunOptions o, Zone zone, AllocatorConfig config, ReclaimModel? reclaim, TExec exec,
        LockStatRecorder? recorder, LockdepState? lockdep, Func<Setup, RunParts> build)
        where TExec : struct, IExecution
    {
        var allocator = AllocatorFactory.Create(o.Design, zone, config, exec);
        var background = allocator.Audit().Census.AllocatedPages;
        var kswapdCpu = reclaim != null ? o.Cpus : -1;
        reclaim?.Attach(allocator, kswapdCpu);

        // Sizes follow the memory free before the page cache of a pressure run takes its share: that cache is reclaimable.
        var sizes = WorkloadSizes.For(o.Workload, o.Parameters, zone.NrFreePages, o.Cpus);

        // Set-up allocations (the page cache of a pressure run) are not part of what is measured.
        reclaim?.Prefill(0);
        var prefilled = reclaim?.CachedPages ?? 0;
        allocator.ResetStats();
        recorder?.Reset();
        return build(new Setup(o, zone, allocator, reclaim, kswapdCpu, background, sizes, prefilled, recorder, lockdep));
    }

    /// <summary>What <see cref="Create{TExec}"/> set up, for the driver to build the rest on.</summary>
    internal sealed record Setup(RunOptions Options, Zone Zone, IPageAllocator Allocator, ReclaimModel? Reclaim, int KswapdCpu, long Background,
        WorkloadSizes Sizes, long Prefilled, LockStatRecorder? Recorder, LockdepState? Lockdep)
    {
        /// <summary>The workload, over the driver's kernel work and clock.</summary>
        public Workload CreateWorkload(KernelWork work, IEngineClock clock) =>
            Workload.Create(Options.Workload, new WorkloadContext(Allocator, Options.Cpus, Options.Parameters, Options.Seed, Sizes, work, clock, Options.FreeBatch));

        /// <summary>The fault injector over the driver's CPUs and clock, or null when the run injects no hotplug and no exhaustion.</summary>
        public FaultInjector? CreateFaults(IFaultCpus cpus, IEngineClock clock, bool hotplugOnCpus = false) =>
            Options.Faults.CpuHotplug || Options.Faults.Exhaustion
                ? new FaultInjector(Options.Faults, cpus, Allocator, Options.Cpus, Options.Seed, clock, hotplugOnCpus)
                : null;

        /// <summary>The parts, with what the driver built.</summary>
        public RunParts With(Workload workload, KernelWork work, FaultInjector? faults, FreePageSampler freePages, RunAuditor auditor) =>
            new(Options, Zone, Allocator, Reclaim, KswapdCpu, Background, Sizes, Prefilled, Recorder, Lockdep)
            {
                Workload = workload,
                Work = work,
                Faults = faults,
                FreePages = freePages,
                Auditor = auditor,
            };
    }
}
