using PcpTestbed.Designs;
using PcpTestbed.Execution.Cpus;
using PcpTestbed.Execution.LockStat;
using PcpTestbed.Execution.Virtual;
using PcpTestbed.Model;
using PcpTestbed.Workloads.Faults;
using PcpTestbed.Workloads.Kinds;
using PcpTestbed.Workloads.Work;

namespace PcpTestbed.Workloads.Run;

/// <summary>One run: a design, a workload, CPUs, a zone, a limit and the switches around them.</summary>
public sealed record RunOptions
{
    public required DesignKind Design { get; init; }

    public required WorkloadKind Workload { get; init; }

    /// <summary>Emulated CPUs running the workload (pressure runs add kswapd's).</summary>
    public required int Cpus { get; init; }

    /// <summary>Builds a fresh zone for the run; compare and sweep build one per run, identical each time.</summary>
    public required Func<Zone> ZoneFactory { get; init; }

    /// <summary>How the zone was given (a spec or a /proc source), for the report.</summary>
    public required string ZoneDescription { get; init; }

    public TimeSpan? Duration { get; init; }

    public long? OperationsPerCpu { get; init; }

    public long Seed { get; init; } = 1;

    public bool Pin { get; init; }

    /// <summary>Lock statistics on (lock_stat); off measures the allocator alone.</summary>
    public bool RecordLocks { get; init; } = true;

    public int HoldSampleInterval { get; init; } = LockStatRecorder.DefaultHoldSampleInterval;

    public HighatomicVariant Highatomic { get; init; } = HighatomicVariants.Default;

    public WorkloadParameters Parameters { get; init; } = new();

    /// <summary>Pageblock designs: bound refill phases 0 and 1 by the PCP's room (<see cref="AllocatorConfig.PageblockRefillWithinHigh"/>).</summary>
    public bool RefillWithinHigh { get; init; }

    /// <summary>The free path before 6.19, unchunked (<see cref="AllocatorConfig.UnchunkedPcpFree"/>).</summary>
    public bool UnchunkedPcpFree { get; init; }

    /// <summary>
    /// Multiplies the published cost of the kernel work each workload charges around its allocator calls
    /// (<see cref="KernelWorkCosts"/>): 1 the published costs, 0 none (the allocator called back to back).
    /// </summary>
    public double WorkScale { get; init; } = 1;

    /// <summary>Folios per free_unref_folios() where the kernel path batches (munmap, MADV_DONTNEED, exit): 1..31; 1 frees one chunk per call.</summary>
    public int FreeBatch { get; init; } = PageAlloc.PagevecSize;

    /// <summary>Builds the kernel work's engine for the workload's CPU count; null for the host's (<see cref="HostKernelWork"/>).</summary>
    public Func<int, IKernelWork>? KernelWorkEngine { get; init; }

    /// <summary>Keep free pages near the low watermark with the reclaim model (kswapd and direct reclaim).</summary>
    public bool Pressure { get; init; }

    public FaultOptions Faults { get; init; } = new();

    /// <summary>
    /// How long the coordinator waits for CPUs to reach a quiescent point before it reports the stuck ones and gives up
    /// (like the kernel's watchdog_thresh); null for <see cref="Execution.Cpus.CpuMachineOptions.DefaultQuiescenceTimeout"/>.
    /// </summary>
    public TimeSpan? QuiescenceTimeout { get; init; }

    /// <summary>How often every CPU is parked for a full audit.</summary>
    public TimeSpan AuditInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A timed run ends at its deadline only once this holds, asked at each of the coordinator's wake-ups from then on;
    /// null ends it at the deadline (the CLI). The tests wait this way for the events they check (an audit while the CPUs
    /// run, a number of exhaustions) instead of hoping a loaded host gives them in time; their own bound ends a run that
    /// never gets there.
    /// </summary>
    public Func<RunProgress, bool>? EndWhen { get; init; }

    /// <summary>How often the coordinator samples the zone's free pages (<see cref="Observe.FreePageSampler"/>).</summary>
    public TimeSpan SampleInterval { get; init; } = DefaultSampleInterval;

    public static readonly TimeSpan DefaultSampleInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// lockdep on the CPU threads: every guarded access checks that the current CPU holds its lock, lock order is
    /// recorded and inversions reported, pages handed out are checked (check_new_page). On by default here (the
    /// tests); the CLI turns it on with --lockdep. Off, the CPUs run the bare execution.
    /// </summary>
    public bool Lockdep { get; init; } = true;

    /// <summary>
    /// CONFIG_DEBUG_VM's checks (<see cref="Designs.AllocatorConfig.DebugVm"/>): today __rmqueue()'s CMA-first rule, checked
    /// under zone->lock at every take it governs. A warning is a violation of the run, and its first cuts the flight
    /// recorder's window. Off by default; the CLI turns it on with --debug-vm.
    /// </summary>
    public bool DebugVm { get; init; }

    public InjectedBug Bugs { get; init; } = InjectedBug.None;

    /// <summary>
    /// End the run at its first violation: an audit that finds one, or lockdep's or CONFIG_DEBUG_VM's first report (which let the
    /// CPUs go on, as the kernel's do), as a thrown one (a bad page, a hang) ends it. The flight recorder's window ends there, so running on adds
    /// nothing to the reproduction file, and a run gone wrong could only go further wrong. The CLI sets it
    /// for a run with injected bugs, which is a run to break (threads engine).
    /// </summary>
    public bool StopAtFirstViolation { get; init; }

    /// <summary>
    /// The flight recorder: every CPU keeps its last <see cref="FlightRecorderEntries"/> allocator operations in a ring of its
    /// own (<see cref="Execution.Recorder.FlightRecorder"/>). On by default; its cost is measured in the benchmark suite.
    /// </summary>
    public bool FlightRecorder { get; init; } = true;

    public int FlightRecorderEntries { get; init; } = Execution.Recorder.FlightRecorder.DefaultEntriesPerCpu;

    /// <summary>
    /// Called once, on the coordinator thread, when a run with the flight recorder on broke (a violation, pages lost, or a CPU
    /// that threw or hung): the recorder's window, with the first violation's text ("[invariant] ...").
    /// </summary>
    public Action<Execution.Recorder.FlightRecording>? OnRecording { get; init; }

    /// <summary>OS threads (the default) or the virtual-time engine, whose times are virtual and whose runs are deterministic.</summary>
    public RunEngine Engine { get; init; } = RunEngine.Threads;

    /// <summary>The virtual engine's cost model; null for <see cref="Execution.Virtual.CostModel.Default"/>. Threads ignore it.</summary>
    public CostModel? CostModel { get; init; }

    /// <summary>Where <see cref="CostModel"/> came from (the --cost-model file, as given), for the report; null for the defaults.</summary>
    public string? CostModelName { get; init; }

    /// <summary>Called on the coordinator thread about every 200 ms.</summary>
    public Action<RunProgress>? Progress { get; init; }

    /// <summary>Called on the coordinator thread after each audit.</summary>
    public Action<AuditRecord>? OnAudit { get; init; }

    /// <summary>Called on the coordinator thread with the stuck-CPU report when CPUs miss a quiescent point, before the run gives up.</summary>
    public Action<StuckCpuReport>? OnStuck { get; init; }
}
