using System.CommandLine;
using PcpTestbed.Designs;
using PcpTestbed.Execution.Locking;
using PcpTestbed.Execution.LockStat;
using PcpTestbed.Model;
using PcpTestbed.Model.Layout;
using PcpTestbed.Workloads.Faults;
using PcpTestbed.Workloads.Kinds;
using PcpTestbed.Workloads.Run;

namespace PcpTestbed.Stress.Cli;

/// <summary>
/// The options of the measuring verbs (run, compare, sweep, soak), created once per verb with that verb's
/// defaults, and their resolution into a <see cref="RunPlan"/>: every check that can fail on bad input runs
/// here, before the first CPU starts.
/// </summary>
public sealed class RunOptionSet
{
    public const int MaxCpus = PageAllocator<Model.Sync.DirectExecution>.MaxCpus;

    /// <summary>
    /// The smallest zone a run accepts: two pageblocks per emulated CPU (kswapd's included). A pageblock design
    /// needs a block for each CPU to own and one more in the buddy to refill from, and page-fault runs a
    /// pageblock's worth of pages (512) per CPU before freeing; below that the run measures exhaustion, not
    /// the PCP layer.
    /// </summary>
    public const int MinPageblocksPerCpu = 2;

    /// <summary>udp runs add this many highatomic blocks to a synthetic zone that names none (fewer if the cap is lower).</summary>
    public const int UdpHighatomicBlocks = 2;

    public const double MaxSeconds = 1_000_000;

    /// <summary>The largest --work-scale: a thousand times the published costs is milliseconds per page, far past any kernel.</summary>
    public const double MaxWorkScale = 1000;

    private readonly VerbDefaults _defaults;

    private readonly Option<DesignKind?>? _design;
    private readonly Option<IReadOnlyList<DesignKind>?>? _designs;
    private readonly Option<WorkloadKind?> _workload;
    private readonly Option<int?>? _cpus;
    private readonly Option<IReadOnlyList<int>?>? _cpuList;
    private readonly Option<double?> _seconds;
    private readonly Option<double?>? _minutes;
    private readonly Option<long?> _ops;
    private readonly Option<string?> _zoneSize = CommonOptions.ZoneSize();
    private readonly Option<string?> _zoneFromProc = CommonOptions.ZoneFromProc();
    private readonly Option<string?> _zoneName = CommonOptions.ZoneName();
    private readonly Option<int> _node = CommonOptions.Node();
    private readonly Option<long?> _seed = CommonOptions.Long("--seed", "The seed of every random choice (default 1); the same seed replays the same workload decisions", 0, long.MaxValue);
    private readonly Option<string?> _json = CommonOptions.JsonFile();
    private readonly Option<string?>? _plot;
    private readonly Option<OutputFormat?> _format;
    private readonly Option<bool> _pin = new("--pin") { Description = "Pin CPU thread i to host core i mod n (Linux sched_setaffinity)" };
    private readonly Option<bool> _pressure = new("--pressure")
    {
        Description = "Keep free pages near the low watermark with the reclaim model (a page cache, kswapd on an extra CPU, direct reclaim). On by default for udp",
    };

    private readonly Option<bool> _noPressure = new("--no-pressure") { Description = "Turn off the memory pressure udp runs have by default" };
    private readonly Option<HighatomicVariant?> _highatomic = CommonOptions.Choice<HighatomicVariant>("--highatomic",
        $"The highatomic rules: {HighatomicVariants.Names} (default {HighatomicVariants.Name(HighatomicVariants.Default)}; list describes them)",
        "highatomic variant", (string t, out HighatomicVariant v, out string p) =>
        {
            p = "";
            return HighatomicVariants.TryParse(t, out v);
        }, HighatomicVariants.Names, "VARIANT");

    private readonly Option<bool> _noLockStat = new("--no-lock-stat") { Description = "Measure without recording lock statistics (the allocator alone)" };
    private readonly Option<int?> _holdSample = CommonOptions.Int("--hold-sample",
        $"Time the hold of 1 in N lock acquisitions, drawn at random (default {LockStatRecorder.DefaultHoldSampleInterval}; 1 times every hold, 0 none)", 0, 1 << 20);

    private readonly Option<int?> _purgers = CommonOptions.Int("--purgers", "purge: purger CPUs (default a quarter of the CPUs, at least 1)", 1, MaxCpus);
    private readonly Option<int?> _runLength = CommonOptions.Int("--run-length",
        "page-fault, cma: order-0 pages each CPU faults in before it unmaps them (default 32768, page_fault1's 128 MiB, capped to half the zone's free pages over the CPUs)", 1, 1 << 22, "PAGES");
    private readonly Option<int?> _cmaShare = CommonOptions.Int("--cma-share",
        "cma: percent of a synthetic zone's pageblocks that are CMA, added as cma=PCT%@end unless --zone-size names cma (default 50)", 1, 90, "PCT");

    private readonly Option<IReadOnlyList<(int Order, int Weight)>?> _orderMix = CommonOptions.Parsed<IReadOnlyList<(int Order, int Weight)>?>("--order-mix",
        "mixed: ORDER:WEIGHT pairs (default 0:60,1:10,2:10,3:10,9:10)", "O:W,...", (string t, out IReadOnlyList<(int Order, int Weight)>? v, out string p) =>
        {
            try
            {
                v = WorkloadParameters.ParseOrderMix(t);
                p = "";
                return true;
            }
            catch (FormatException e)
            {
                v = null;
                p = e.Message;
                return false;
            }
        });

    private readonly Option<int?> _remoteFree = CommonOptions.Int("--remote-free-percent", "mixed: percent of frees handed to another CPU (default 30)", 0, 100, "PCT");
    private readonly Option<int?> _receivers = CommonOptions.Int("--receivers", "udp: receive CPUs; the rest consume (default half of the CPUs)", 1, MaxCpus);
    private readonly Option<int?> _rxOrder = CommonOptions.Int("--rx-order",
        "udp: the order of each receive allocation, falling back to order 0 (default 1, a page_frag; 4 is cxgb4's 64 KiB free-list pages, " +
        $"refilled with GFP_ATOMIC from the NAPI poll): 1..{PageAlloc.MaxPageOrder}", 1, PageAlloc.MaxPageOrder, "ORDER");
    private readonly Option<int?> _exitFill = CommonOptions.Int("--exit-fill",
        "exit: pages each CPU fills before all exit at once (default 65536, a 256 MiB process, capped to half the zone's free pages over the CPUs)", 1, 1 << 22, "PAGES");

    private readonly Option<int?> _purgeExtent = CommonOptions.Int("--purge-extent-max",
        $"purge: the largest extent a purger gives back with one madvise(MADV_DONTNEED); extents are drawn log-uniform over 1..PAGES (default {WorkloadSizes.PurgeExtentMaxPagesDefault}; 1 purges page by page)",
        1, 1 << 20, "PAGES");


    private readonly Option<double?> _workScale;

    private readonly Option<int?> _freeBatch = CommonOptions.Int("--free-batch",
        $"Folios per free_unref_folios() where the kernel batches (munmap, MADV_DONTNEED, exit): 1..{PageAlloc.PagevecSize} (default {PageAlloc.PagevecSize}, " +
        "a folio_batch); 1 frees one chunk per __free_pages() call", 1, PageAlloc.PagevecSize);
    private readonly Option<bool> _refillWithinHigh = new("--refill-within-high")
    {
        Description = "Pageblock designs: bound refill phases 0 and 1 by pcp->high - pcp->count (an experiment switch; off is the RFC as posted)",
    };

    private readonly Option<bool> _unchunkedPcpFree = new("--unchunked-pcp-free")
    {
        Description = "Free as before 6.19: free_frozen_page_commit() and decay_pcp_high() free everything under one pcp->lock and one " +
                      "zone->lock hold instead of in chunks of pcp->batch (an experiment switch; off is the seeds' tree)",
    };

    private readonly Option<IReadOnlyList<FaultKind>?> _faults;
    private readonly Option<int?> _drainStorm = CommonOptions.Int("--drain-storm-percent", "drain-storm: percent of steps after which a CPU runs drain_all_pages() (default 1)", 1, 100, "PCT");
    private readonly Option<double?> _hotplugInterval = CommonOptions.Number("--hotplug-interval-ms",
        "cpu-hotplug: mean milliseconds between CPU deaths, each CPU back online after as long again (default 250; the kernel's " +
        "hotplug stress tests offline and online CPUs back to back)", 1, 60_000, "MS");

    private readonly Option<int?> _irqDelay = CommonOptions.Int("--irq-delay-ns",
        "hold-delay: an interrupt's busy-wait at --irq-percent of each CPU's scheduling points (shared accesses, lock attempts), none under zone->lock (default 0: no interrupts)",
        0, 10_000_000, "NS");

    private readonly Option<int?> _irqPercent = CommonOptions.Int("--irq-percent", "hold-delay: percent of scheduling points an interrupt lands at (default 1)", 1, 100, "PCT");

    private readonly Option<InterruptSites?> _irqSites = CommonOptions.Parsed<InterruptSites?>("--irq-site",
        "hold-delay: interrupts only at these scheduling-point sites (comma-separated, the names coverage lists, e.g. " +
        "free_unref_page:pageblock_owner or lock:free_pcppages_bulk), as fail_function injects only into the functions it is given (default: every point)",
        "SITE,SITE,...", (string t, out InterruptSites? v, out string p) =>
        {
            var names = t.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            v = null;
            p = "";
            if (names.Length == 0)
            {
                p = "expected one or more scheduling-point site names";
                return false;
            }

            if (!InterruptSites.TryParse(names, out v, out var unknown))
            {
                p = $"'{unknown}' is not a scheduling-point site; expected one of: {string.Join(", ", InterruptSites.AllNames)}";
                return false;
            }

            return true;
        });

    private readonly Option<int?> _zoneDelay = CommonOptions.Int("--zone-hold-delay-ns", "hold-delay: busy-wait inside every zone->lock hold (default 200)", 0, 10_000_000, "NS");
    private readonly Option<int?> _pcpDelay = CommonOptions.Int("--pcp-hold-delay-ns", "hold-delay: busy-wait inside every pcp->lock hold (default 50)", 0, 10_000_000, "NS");
    private readonly Option<double?> _auditInterval = CommonOptions.Number("--audit-interval",
        "Seconds between full audits with every CPU parked at a quiescent point (default 1)", 0.001, 3600, "SECONDS");

    private readonly Option<double?> _sampleInterval = CommonOptions.Number("--sample-interval",
        $"Seconds between samples of the zone's free pages by migratetype and order, taken without zone->lock (default {RunOptions.DefaultSampleInterval.TotalSeconds})",
        0.001, 3600, "SECONDS");

    private readonly Option<string?>? _plotFree;

    private readonly Option<bool> _quiet = new("--quiet", "-q") { Description = "No progress bar or progress lines" };
    private readonly Option<bool> _lockdep = new("--lockdep")
    {
        Description = "Check locks as lockdep does: every guarded access asserts the current CPU holds its lock, lock order is recorded " +
                      "(inversions are violations), pages handed out are checked; slower, off by default",
    };

    private readonly Option<bool> _debugVm = new("--debug-vm")
    {
        Description = "Check what a CONFIG_DEBUG_VM kernel's VM_WARN_ON checks, under zone->lock where the rule must hold: __rmqueue()'s " +
                      "CMA-first rule in every design, and in refill phases 0 and 2 on pageblock-cmafix (the design that promises it there), and the " +
                      "highatomic cap at reserve_highatomic_pageblock()'s conversion (ours, no mainline warning); " +
                      "a warning is a violation of the run; off by default",
    };

    private readonly Option<IReadOnlyList<InjectedBug>?> _bugs = CommonOptions.Choices<InjectedBug>("--bug",
        $"Injected bugs to switch on, comma-separated ({InjectedBugs.Names}): the catalogue's bugs on real threads, for the flight recorder's reproduction files; such a run ends at its first violation",
        "bug", (string t, out InjectedBug b, out string p) =>
        {
            p = "";
            return InjectedBugs.TryParse(t, out b);
        }, InjectedBugs.All, InjectedBugs.Names, "--bugs");

    private readonly Option<bool> _noFlightRecorder = new("--no-flight-recorder")
    {
        Description = "Do not record each CPU's allocator operations (the flight recorder, on by default, writes a reproduction file when the run breaks)",
    };

    private readonly Option<int?> _recorderEntries = CommonOptions.Int("--flight-recorder-entries",
        $"Operations each CPU's flight recorder ring keeps, a power of two (default {Execution.Recorder.FlightRecorder.DefaultEntriesPerCpu}); a window that must reach " +
        "back to the last clean audit needs room for every operation between two audits", 16, 1 << 22, "N");

    private readonly Option<string?> _reproDir = new("--repro-dir")
    {
        Description = "Where a run that breaks writes its reproduction file (default: a folder under the temp folder); the file is named in the output and the JSON",
        HelpName = "DIR",
    };

    private readonly Option<RunEngine?> _engine = CommonOptions.Choice<RunEngine>("--engine",
        "What runs the emulated CPUs: threads (one OS thread each, host time; the default) or virtual (the virtual-time engine: every CPU on one " +
        "host thread in virtual-time order, times charged from a cost model, deterministic, any CPU count on any host)",
        "engine", (string t, out RunEngine e, out string p) =>
        {
            p = "";
            (var ok, e) = t switch { "threads" => (true, RunEngine.Threads), "virtual" => (true, RunEngine.Virtual), _ => (false, default) };
            return ok;
        }, "threads, virtual", "threads|virtual");

    private readonly Option<string?> _costModel = new("--cost-model")
    {
        Description = "--engine virtual: the cost model to charge, a file calibrate --out wrote (default the shipped defaults; the README gives their sources)",
        HelpName = "FILE",
    };

    public RunOptionSet(VerbDefaults defaults)
    {
        _defaults = defaults;
        if (defaults.Designs.Count > 1 || defaults.ManyDesigns)
        {
            _designs = CommonOptions.Choices<DesignKind>("--designs",
                $"Designs to run, the first is the baseline: {Designs.Designs.Names} or all (default {string.Join(",", defaults.Designs.Select(Designs.Designs.Name))})",
                "design", CommonOptions.TryDesign, Designs.Designs.All, Designs.Designs.Names, "--design");
        }
        else
        {
            _design = CommonOptions.Choice<DesignKind>("--design", $"The design: {Designs.Designs.Names} (default {Designs.Designs.Name(defaults.Designs[0])})",
                "design", CommonOptions.TryDesign, Designs.Designs.Names);
        }

        _workload = CommonOptions.Choice<WorkloadKind>("--workload",
            $"The workload: {WorkloadKinds.Names} (default {WorkloadKinds.Name(defaults.Workload)}; list describes them)",
            "workload", (string t, out WorkloadKind k, out string p) =>
            {
                p = "";
                return WorkloadKinds.TryParse(t, out k);
            }, WorkloadKinds.Names);
        if (defaults.CpuList)
        {
            _cpuList = CommonOptions.IntList("--cpus", $"CPU counts to sweep, e.g. 1,2,4,8; the zone needs 2 pageblocks (4M) per CPU (default {string.Join(",", defaults.Cpus)})", 1, MaxCpus);
        }
        else
        {
            _cpus = CommonOptions.Int("--cpus", $"Emulated CPUs, each an OS thread; may exceed the host's cores; the zone needs 2 pageblocks (4M) per CPU (default {defaults.Cpus[0]})", 1, MaxCpus);
        }

        _seconds = CommonOptions.Number("--seconds", $"Run each measurement for this long (default {defaults.Seconds})", 0.01, MaxSeconds, "SECONDS");
        if (defaults.Minutes)
        {
            _minutes = CommonOptions.Number("--minutes", "Run for this many minutes (instead of --seconds)", 0.01, MaxSeconds / 60, "MINUTES");
        }

        _ops = CommonOptions.Long("--ops", "Instead of a time: operations (allocator calls and idle steps) per CPU", 1, 1_000_000_000_000);
        if (defaults.Plot)
        {
            _plot = new Option<string?>("--plot")
            {
                Description = defaults.CpuList
                    ? "Draw ops/s, zone->lock contentions and p99 zone->lock hold time against CPU count, one line per design, as three panels in one image (.png or .svg)"
                    : "Draw wait- and hold-time histograms per lock class, one line per design (.png or .svg)",
                HelpName = "FILE",
            };
        }

        if (defaults.Plot && !defaults.CpuList)
        {
            _plotFree = new Option<string?>("--plot-free")
            {
                Description = "Draw the sampled free pages by migratetype over time, one panel per design (.png or .svg)",
                HelpName = "FILE",
            };
        }

        _workScale = CommonOptions.Number("--work-scale",
            "Multiply the kernel work each workload charges around its allocator calls (fault, clear_page, zap, TLB flush, packet): " +
            $"1 the published per-page costs, 0 the allocator called back to back (default {defaults.WorkScale.ToString(System.Globalization.CultureInfo.InvariantCulture)})",
            0, MaxWorkScale, "X");
        _format = CommonOptions.Choice<OutputFormat>("--format",
            "How to print the lock statistics: table (per class and call site, times in ns) or lock_stat (/proc/lock_stat's layout, times in µs)",
            "format", OutputFormats.TryParse, OutputFormats.Names, "table|lock_stat");
        _faults = CommonOptions.Choices<FaultKind>("--faults",
            $"Faults to inject: {FaultKinds.Names}, all, or none (default {(defaults.AllFaults ? "all" : "none")})",
            "fault", FaultKinds.TryParse, FaultKinds.All, FaultKinds.Names + ", all, none");
    }

    public void AddTo(Command command)
    {
        Option?[] options =
        [
            _design, _designs, _workload, _cpus, _cpuList, _seconds, _minutes, _ops, _zoneSize, _zoneFromProc, _zoneName, _node, _seed, _json, _plot, _format,
            _pin, _pressure, _noPressure, _highatomic, _noLockStat, _holdSample, _purgers, _runLength, _cmaShare, _orderMix, _remoteFree, _receivers, _rxOrder,
            _exitFill, _purgeExtent, _workScale, _freeBatch, _refillWithinHigh, _unchunkedPcpFree, _faults, _drainStorm, _hotplugInterval, _zoneDelay, _pcpDelay, _irqDelay, _irqPercent, _irqSites, _auditInterval, _sampleInterval, _plotFree, _quiet, _lockdep, _debugVm,
            _bugs, _noFlightRecorder, _reproDir, _recorderEntries,
            _engine, _costModel,
        ];
        foreach (var o in options)
        {
            if (o != null)
            {
                command.Options.Add(o);
            }
        }
    }

    /// <summary>Checks everything the command line says and turns it into a plan; bad input is a <see cref="UsageException"/>.</summary>
    public RunPlan Resolve(ParseResult r)
    {
        var notes = new List<string>();
        IReadOnlyList<DesignKind> designs = _designs != null
            ? r.GetValue(_designs) ?? _defaults.Designs
            : [r.GetValue(_design!) ?? _defaults.Designs[0]];
        var workload = r.GetValue(_workload) ?? _defaults.Workload;
        IReadOnlyList<int> cpus = _cpuList != null ? r.GetValue(_cpuList) ?? _defaults.Cpus : [r.GetValue(_cpus!) ?? _defaults.Cpus[0]];

        var seconds = r.GetValue(_seconds);
        var minutes = _minutes != null ? r.GetValue(_minutes) : null;
        var ops = r.GetValue(_ops);
        if (new object?[] { seconds, minutes, ops }.Count(x => x != null) > 1)
        {
            throw new UsageException($"give one of --seconds{(_minutes != null ? ", --minutes" : "")} or --ops, not several");
        }

        TimeSpan? duration = ops != null ? null : TimeSpan.FromSeconds(minutes * 60 ?? seconds ?? _defaults.Seconds);

        if (r.GetValue(_pressure) && r.GetValue(_noPressure))
        {
            throw new UsageException("give either --pressure or --no-pressure, not both");
        }

        var pressure = r.GetValue(_pressure) || (workload == WorkloadKind.Udp && !r.GetValue(_noPressure));

        var parameters = new WorkloadParameters();
        parameters = Apply(r, notes, workload, parameters, _purgers, WorkloadKind.Purge, (p, v) => p with { Purgers = v });
        parameters = Apply(r, notes, workload, parameters, _runLength, null, (p, v) => p with { RunLength = v }, WorkloadKind.PageFault, WorkloadKind.Cma);
        parameters = Apply(r, notes, workload, parameters, _cmaShare, WorkloadKind.Cma, (p, v) => p with { CmaSharePercent = v });
        parameters = Apply(r, notes, workload, parameters, _remoteFree, WorkloadKind.Mixed, (p, v) => p with { RemoteFreePercent = v });
        parameters = Apply(r, notes, workload, parameters, _receivers, WorkloadKind.Udp, (p, v) => p with { UdpReceivers = v });
        parameters = Apply(r, notes, workload, parameters, _rxOrder, WorkloadKind.Udp, (p, v) => p with { UdpRxOrder = v });
        parameters = Apply(r, notes, workload, parameters, _exitFill, WorkloadKind.Exit, (p, v) => p with { ExitFillPages = v });
        parameters = Apply(r, notes, workload, parameters, _purgeExtent, WorkloadKind.Purge, (p, v) => p with { PurgeExtentMaxPages = v });
        if (r.GetValue(_orderMix) is { } mix)
        {
            parameters = parameters with { OrderMix = mix };
            NoteIgnored(notes, "--order-mix", workload, WorkloadKind.Mixed);
        }

        NoteLeavingNoCpu(notes, "--purgers", r.GetValue(_purgers), cpus, "purge", "allocate");
        if (workload == WorkloadKind.Udp)
        {
            // UdpWorkload keeps one CPU to consume (WorkloadParameters.EffectiveReceivers): say so rather than clamp silently.
            NoteLeavingNoCpu(notes, "--receivers", r.GetValue(_receivers), cpus, "receive", "consume");
        }

        if (r.GetValue(_pin) && !OperatingSystem.IsLinux())
        {
            throw new UsageException("--pin needs Linux (sched_setaffinity)");
        }

        var engine = r.GetValue(_engine) ?? RunEngine.Threads;
        var costModelPath = r.GetValue(_costModel);
        var costModel = ResolveCostModel(costModelPath, engine);
        RefuseThreadsOnly(r, engine);

        var faults = ResolveFaults(r);
        var zone = ResolveZone(r, workload, parameters, pressure, cpus.Max(), notes);

        var jsonPath = r.GetValue(_json);
        if (jsonPath != null)
        {
            OutputFiles.CheckWritable(jsonPath, "--json");
        }

        var plotPath = _plot != null ? r.GetValue(_plot) : null;
        if (plotPath != null)
        {
            OutputFiles.CheckPlotPath(plotPath);
        }

        var plotFreePath = _plotFree != null ? r.GetValue(_plotFree) : null;
        if (plotFreePath != null)
        {
            OutputFiles.CheckPlotPath(plotFreePath, "--plot-free");
        }

        var bugs = (r.GetValue(_bugs) ?? []).Aggregate(InjectedBug.None, (a, b) => a | b);
        var template = new RunOptions
        {
            Design = designs[0],
            Workload = workload,
            Cpus = cpus[0],
            ZoneFactory = zone.Factory,
            ZoneDescription = zone.Description,
            Duration = duration,
            OperationsPerCpu = ops,
            Seed = r.GetValue(_seed) ?? 1,
            Pin = r.GetValue(_pin),
            RecordLocks = !r.GetValue(_noLockStat),
            HoldSampleInterval = r.GetValue(_holdSample) ?? LockStatRecorder.DefaultHoldSampleInterval,
            Highatomic = r.GetValue(_highatomic) ?? HighatomicVariants.Default,
            Parameters = parameters,
            Pressure = pressure,
            Faults = faults,
            AuditInterval = TimeSpan.FromSeconds(r.GetValue(_auditInterval) ?? 1),
            SampleInterval = r.GetValue(_sampleInterval) is { } sample ? TimeSpan.FromSeconds(sample) : RunOptions.DefaultSampleInterval,
            RefillWithinHigh = r.GetValue(_refillWithinHigh),
            UnchunkedPcpFree = r.GetValue(_unchunkedPcpFree),
            WorkScale = r.GetValue(_workScale) ?? _defaults.WorkScale,
            FreeBatch = r.GetValue(_freeBatch) ?? PageAlloc.PagevecSize,
            Lockdep = r.GetValue(_lockdep),
            DebugVm = r.GetValue(_debugVm),
            Bugs = bugs,
            StopAtFirstViolation = bugs != InjectedBug.None,
            FlightRecorder = !r.GetValue(_noFlightRecorder),
            FlightRecorderEntries = r.GetValue(_recorderEntries) ?? Execution.Recorder.FlightRecorder.DefaultEntriesPerCpu,
            Engine = engine,
            CostModel = costModel,
            CostModelName = costModelPath,
        };
        if (r.GetValue(_recorderEntries) is { } entries && (entries & (entries - 1)) != 0)
        {
            throw new UsageException($"--flight-recorder-entries {entries}: expected a power of two (e.g. {1 << (int)Math.Ceiling(Math.Log2(entries))})");
        }
        var reproDir = r.GetValue(_reproDir);
        if (reproDir != null && r.GetValue(_noFlightRecorder))
        {
            throw new UsageException("--repro-dir needs the flight recorder; drop --no-flight-recorder");
        }

        if (reproDir != null && File.Exists(reproDir))
        {
            throw new UsageException($"--repro-dir {reproDir}: is a file; expected a folder (it is created if missing)");
        }
        if (r.GetValue(_refillWithinHigh) && !designs.Any(Designs.Designs.IsPageblock))
        {
            notes.Add("--refill-within-high changes the pageblock designs only");
        }

        if (!template.RecordLocks && r.GetValue(_holdSample) != null)
        {
            notes.Add("--hold-sample has no effect with --no-lock-stat");
        }

        return new RunPlan
        {
            Designs = designs,
            Cpus = cpus,
            Template = template,
            JsonPath = jsonPath,
            PlotPath = plotPath,
            PlotFreePath = plotFreePath,
            Format = r.GetValue(_format) ?? OutputFormat.Table,
            Quiet = r.GetValue(_quiet),
            Notes = notes,
            ReproDirectory = reproDir ?? Path.Combine(Path.GetTempPath(), "pcptestbed-repro"),
        };
    }

    private static WorkloadParameters Apply(ParseResult r, List<string> notes, WorkloadKind workload, WorkloadParameters p, Option<int?> option, WorkloadKind? only,
        Func<WorkloadParameters, int, WorkloadParameters> set, params WorkloadKind[] also)
    {
        if (r.GetValue(option) is not { } v)
        {
            return p;
        }

        WorkloadKind[] applies = only is { } o ? [o, .. also] : also;
        NoteIgnored(notes, option.Name, workload, applies);
        return set(p, v);
    }

    private static void NoteIgnored(List<string> notes, string option, WorkloadKind workload, params WorkloadKind[] applies)
    {
        if (!applies.Contains(workload))
        {
            notes.Add($"{option} applies to {string.Join(" and ", applies.Select(WorkloadKinds.Name))} only; {WorkloadKinds.Name(workload)} ignores it");
        }
    }

    /// <summary>A CPU count option that would leave no CPU for the workload's other role at the smallest CPU count above 1 is clamped by the workload: say so.</summary>
    private static void NoteLeavingNoCpu(List<string> notes, string option, int? value, IReadOnlyList<int> cpus, string role, string rest)
    {
        if (value is { } n && cpus.Where(c => c > 1).DefaultIfEmpty(int.MaxValue).Min() is var fewest && n >= fewest)
        {
            notes.Add($"{option} {n}: with {fewest} CPUs at most {fewest - 1} {role}; the rest {rest}");
        }
    }

    /// <summary>
    /// Options the virtual engine has nothing to apply to are refused, not ignored: a virtual run that dropped an interrupt
    /// fault or a hold sampling would report a run it never had. What the virtual engine does honour (every --faults kind,
    /// --hotplug-interval-ms, --drain-storm-percent, --zone-hold-delay-ns, --pcp-hold-delay-ns) is in VirtualRunner.
    /// </summary>
    private void RefuseThreadsOnly(ParseResult r, RunEngine engine)
    {
        if (engine != RunEngine.Virtual)
        {
            return;
        }

        const string noPoints = "the virtual engine runs each allocator call whole, with no scheduling point inside it for an interrupt to land at";
        const string noRecorder = "the virtual engine has no flight recorder: a virtual run is deterministic, and the same seed runs it again";
        (bool Given, string Option, string Why)[] threadsOnly =
        [
            (r.GetValue(_irqDelay) != null, "--irq-delay-ns", noPoints),
            (r.GetValue(_irqPercent) != null, "--irq-percent", noPoints),
            (r.GetValue(_irqSites) != null, "--irq-site", noPoints),
            (r.GetValue(_holdSample) != null, "--hold-sample", "the virtual engine times every hold: timing is free in virtual time"),
            (r.GetValue(_pin), "--pin", "the virtual engine runs every emulated CPU on one host thread, in virtual time"),
            (r.GetValue(_reproDir) != null, "--repro-dir", noRecorder),
            (r.GetValue(_recorderEntries) != null, "--flight-recorder-entries", noRecorder),
            (r.GetValue(_noFlightRecorder), "--no-flight-recorder", noRecorder),
        ];
        foreach (var (given, option, why) in threadsOnly)
        {
            if (given)
            {
                throw new UsageException($"{option} applies to the threads engine only ({why}); drop it or use --engine threads");
            }
        }
    }

    /// <summary>The --cost-model file, read and checked now; only the virtual engine has a cost model.</summary>
    private static Execution.Virtual.CostModel? ResolveCostModel(string? path, RunEngine engine)
    {
        if (path == null)
        {
            return null;
        }

        if (engine != RunEngine.Virtual)
        {
            throw new UsageException($"--cost-model {path}: only the virtual engine has a cost model; add --engine virtual");
        }

        try
        {
            return Execution.Virtual.CostModelFile.Load(path);
        }
        catch (Execution.Virtual.CostModelException e)
        {
            throw new UsageException($"--cost-model: {e.Message}");
        }
    }

    private FaultOptions ResolveFaults(ParseResult r)
    {
        var given = r.GetValue(_faults);
        var kinds = given ?? (_defaults.AllFaults ? FaultKinds.All.ToList() : []);
        if (kinds.Contains(FaultKind.None))
        {
            if (kinds.Count > 1)
            {
                throw new UsageException("--faults none cannot be combined with other faults");
            }

            kinds = [];
        }

        var all = FaultOptions.All;
        var options = new FaultOptions
        {
            CpuHotplug = kinds.Contains(FaultKind.CpuHotplug),
            HotplugInterval = r.GetValue(_hotplugInterval) is { } ms ? TimeSpan.FromMilliseconds(ms) : all.HotplugInterval,
            Exhaustion = kinds.Contains(FaultKind.Exhaustion),
            DrainStormPercent = kinds.Contains(FaultKind.DrainStorm) ? r.GetValue(_drainStorm) ?? all.DrainStormPercent : 0,
            HoldDelays = kinds.Contains(FaultKind.HoldDelay)
                ? new Execution.Locking.HoldDelays(r.GetValue(_zoneDelay) ?? all.HoldDelays.ZoneNs, r.GetValue(_pcpDelay) ?? all.HoldDelays.PcpNs,
                    r.GetValue(_irqDelay) ?? 0, r.GetValue(_irqPercent) ?? 1, r.GetValue(_irqSites))
                : default,
        };
        if (r.GetValue(_drainStorm) != null && !kinds.Contains(FaultKind.DrainStorm))
        {
            throw new UsageException("--drain-storm-percent needs --faults drain-storm (or all)");
        }

        if (r.GetValue(_hotplugInterval) != null && !kinds.Contains(FaultKind.CpuHotplug))
        {
            throw new UsageException("--hotplug-interval-ms needs --faults cpu-hotplug (or all)");
        }

        if ((r.GetValue(_zoneDelay) != null || r.GetValue(_pcpDelay) != null || r.GetValue(_irqDelay) != null || r.GetValue(_irqPercent) != null ||
             r.GetValue(_irqSites) != null) && !kinds.Contains(FaultKind.HoldDelay))
        {
            throw new UsageException("--zone-hold-delay-ns, --pcp-hold-delay-ns, --irq-delay-ns, --irq-percent and --irq-site need --faults hold-delay (or all)");
        }

        if (r.GetValue(_irqSites) != null && (r.GetValue(_irqDelay) ?? 0) == 0)
        {
            throw new UsageException("--irq-site needs --irq-delay-ns above 0 (the interrupts it aims)");
        }

        return options;
    }

    /// <summary>
    /// The zone: a synthetic spec (with the cma or udp additions) or /proc; built once here to check that it
    /// fits the largest CPU count, then handed out fresh for every run.
    /// </summary>
    private ResolvedZone ResolveZone(ParseResult r, WorkloadKind workload, WorkloadParameters parameters, bool pressure, int maxCpus, List<string> notes)
    {
        var source = CommonOptions.ResolveZone(r, _zoneSize, _zoneFromProc, _zoneName, _node);
        var option = source.FromProc ? "--zone-from-proc" : "--zone-size";
        if (!source.FromProc && workload == WorkloadKind.Cma && source.Spec!.Blocks.All(b => b.Type != MigrateType.Cma))
        {
            source = source.WithRules($"cma={parameters.CmaSharePercent}%@end");
            notes.Add($"cma: the zone gets cma={parameters.CmaSharePercent}%@end");
        }

        if (!source.FromProc && workload == WorkloadKind.Udp && source.Spec!.Blocks.All(b => b.Type != MigrateType.HighAtomic))
        {
            var capBlocks = (int)(Build(source, option).HighatomicMaxPages / PageAlloc.PageblockNrPages);
            var blocks = Math.Min(UdpHighatomicBlocks, capBlocks);
            if (blocks > 0)
            {
                source = source.WithRules($"highatomic={blocks}");
                notes.Add($"udp: the zone starts with {blocks} highatomic blocks (the cap is {capBlocks})");
            }
            else
            {
                notes.Add("udp: the zone is too small for highatomic reserves (under 200M the cap is 0)");
            }
        }

        var factory = source.Factory();
        var zone = Build(factory, option, source);
        var emulated = maxCpus + (pressure ? 1 : 0);
        if (zone.NrPageblocks < MinPageblocksPerCpu * emulated)
        {
            var need = ZoneSpecSize(MinPageblocksPerCpu * emulated);
            throw new UsageException(
                $"{option} {source.Describe()}: {Plural(zone.NrPageblocks, "pageblock")} for {Plural(emulated, "emulated CPU")}{(pressure ? " (kswapd's included)" : "")}; " +
                $"a run needs at least {MinPageblocksPerCpu} pageblocks (4M) per CPU: {need} or more{(emulated > 1 ? ", or fewer CPUs" : "")}");
        }

        if (workload == WorkloadKind.Cma && zone.Blocks.All(b => b.MigrateType != MigrateType.Cma))
        {
            notes.Add("cma: the imported zone has no CMA pageblocks; the run is a plain page-fault run");
        }

        return new ResolvedZone(factory, source.Describe());
    }

    private static Zone Build(ZoneSource source, string option) => Build(source.Factory(), option, source);

    private static Zone Build(Func<Zone> factory, string option, ZoneSource source)
    {
        try
        {
            return factory();
        }
        catch (Exception e) when (e is FormatException or Model.Proc.ProcFormatException or ArgumentException)
        {
            throw new UsageException($"{option} {source.Describe()}: {e.Message}");
        }
    }

    private static string Plural(int n, string noun) => $"{n} {noun}{(n == 1 ? "" : "s")}";

    private static string ZoneSpecSize(int pageblocks) => ZoneSpec.FormatBytes((long)pageblocks * PageAlloc.PageblockNrPages * PageAlloc.PageSizeBytes);

    private sealed record ResolvedZone(Func<Zone> Factory, string Description);
}
