using System.Globalization;
using PcpTestbed.Designs;
using PcpTestbed.Model;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote.Repro;

/// <summary>
/// A reproduction file as a scenario. Setup rebuilds the state: the allocator's exact state at the window's start when the
/// file has its snapshot and the window is complete (<see cref="ReproFile.SnapshotUnusable"/>; the pages the window frees
/// that were allocated before it are then the snapshot's chunks at their pfns, <see cref="ReproFile.PagesInSnapshot"/>, and
/// the CPUs offline there are offline); else a fresh zone of the run's spec, the ballast (what the zone held at the window's
/// start, when the file has it: <see cref="ReproBallast"/>) and the pages the window frees that were allocated before it (one
/// like each, allocated on the CPU that frees it). Then every operation except each CPU's last <see cref="Window"/>, one at a
/// time in the file's global order. The scripts are those last operations, one
/// controlled thread per CPU, interleaved by the engine (a CPU's script may start earlier, so that setup never frees a page a
/// script allocates: <see cref="Split"/>). Pages are handles: a free of a page another CPU's script allocates waits for that
/// allocation, as the run's did (<see cref="Iteration"/>'s AwaitAllocations); an operation on a page whose allocation failed
/// in this interleaving is skipped. The run's injected interrupts, when the file has them, land as
/// stalls at their sites (<see cref="ReproFile.Interrupts"/>, <see cref="InterruptStall"/>). Setup runs once per window: the
/// iterations after the first restore what it left (<see cref="ReproSetupState"/>).
/// </summary>
internal sealed class ReproScenario : Scenario
{
    public const string ScenarioName = "repro";

    private readonly DesignKind _design;

    private readonly Lazy<(IReadOnlyList<ReproOp> Serial, IReadOnlyList<ReproOp>[] Tails, Dictionary<int, int> ScriptAllocations, int[] PendingOnlines)> _split;
    private readonly Lazy<Dictionary<int, int>> _cpuOf;
    private readonly Lazy<int[]> _offlineAtStart;
    private readonly Lazy<string?> _snapshotUnusable;
    private readonly Lazy<IReadOnlyList<ReproPage>> _pagesInSnapshot;

    /// <summary>
    /// What setup left in the first iteration whose setup ended, or null: setup is the same in every iteration of a window
    /// (one thread, no scheduling point, the same operations in the same order from the same rebuilt state: nothing in it
    /// depends on the schedule), so the later iterations restore it (an array copy) instead of rebuilding the zone and
    /// replaying every operation before the window again. Written and read by the iterations, which run one at a time.
    /// </summary>
    private ReproSetupState? _setupDone;

    /// <summary>The run's direct reclaim, replayed inside the allocations that reclaimed (each iteration attaches to it).</summary>
    private readonly ReproReclaim _reclaim;

    public ReproScenario(ReproFile file, int window)
    {
        File = file;
        Window = window;
        _reclaim = new ReproReclaim(file.Cpus);
        _split = new(SplitOnce);
        _cpuOf = new(CpuOfOnce);
        _offlineAtStart = new(OfflineAtStartOnce);
        _snapshotUnusable = new(file.SnapshotUnusable);
        _pagesInSnapshot = new(file.PagesInSnapshot);
        PcpTestbed.Designs.Designs.TryParse(file.Design, out _design);
        Bugs = file.Bugs.Aggregate(InjectedBug.None, (b, n) => InjectedBugs.TryParse(n, out var x) ? b | x : b);
        HighatomicVariants.TryParse(file.Highatomic, out var variant);
        var audited = RecordedByAudit(file);
        Config = new ScenarioConfig
        {
            Cpus = file.Cpus,
            Zone = file.Zone,
            Highatomic = variant,
            Parameters = Parameters(file, window, audited),
            OpStepBudget = OpStepBudgetFor(file),
            DeadlockTimeout = SetupDeadlockTimeout,
            Interrupts = file.Interrupts?.Stall(),
            Reclaim = _reclaim,
            Audits = audited,
        };
    }

    public ReproFile File { get; }

    /// <summary>
    /// Scheduling points a death waits for its victim to leave its operation, beyond the stall of an interrupt
    /// (<see cref="ScenarioConfig.Interrupts"/>), while no other CPU takes a step (<see cref="Iteration"/>'s Hotplug). On the kernel page_alloc_cpu_dead() runs
    /// after the dying CPU went through stop_machine, which waits for it to leave what it is doing, interrupts included: a
    /// death is delayed, never dropped. So the death waits as long as the other CPUs make progress; only a schedule that keeps the
    /// victim from running (a priority strategy that keeps picking the waiting death) reaches this bound, and then the death
    /// does not happen in that schedule. The same rule bounds a free's wait for its page's allocation. The waits' points are
    /// the scenario's (<see cref="IterationState.ScenarioWaitPoint"/>): outside the operation step budget (<see cref="OpStepBudgetFor"/>).
    /// Under Coyote a wait point is a wake-up: the waiter is parked between them until a script's operation ends, and gives up
    /// at once when no other CPU can run (<see cref="IIterationController.AwaitScenario"/>).
    /// </summary>
    internal const int ParkWaitPoints = 1024;

    /// <summary>The window, and the interrupts when the file has them (a trace's configuration names its stalls).</summary>
    private static SortedDictionary<string, string> Parameters(ReproFile file, int window, bool audited)
    {
        var parameters = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["repro-window"] = window.ToString(CultureInfo.InvariantCulture) };
        if (!audited)
        {
            parameters["repro-audits"] = "none";
        }

        if (file.Interrupts is { } irq)
        {
            parameters["repro-irq"] = string.Create(CultureInfo.InvariantCulture,
                $"{(irq.Sites == null ? "every-site" : string.Join('+', irq.Sites))}@{irq.Percent}%/{irq.StallSteps}-steps");
        }

        return parameters;
    }

    /// <summary>
    /// Coyote's deadlock timeout for a reproduction: setup replays every operation before the window with no scheduling point,
    /// and on files of 90,000-116,000 operations (`explore --from-repro FILE --time-budget 120` on files of `run` with
    /// highatomic-cap-not-rechecked's row options and `--flight-recorder-entries 65536`, 256M, 2026-12-07 17:51-17:56, load
    /// 16-25) that took past Coyote's default, which reported a potential deadlock in the first iteration of the windows of
    /// the last 1 to 4 operations, so those windows were never searched. The time budget still ends a long setup (it is
    /// checked at every operation's start) and a script's spin meets its step budget first.
    /// </summary>
    internal static readonly TimeSpan SetupDeadlockTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Whether the run's violation was an audit's (an invariant of KERNEL.md §7, found with every CPU parked at the cut), not
    /// one found at the access (liveness, bad-page, lockdep, CONFIG_DEBUG_VM's warnings, an exception). The window runs from
    /// the last clean audit to the violation, so when the violation was found at an access the run audited nowhere inside
    /// its window nor at its end: the iterations do not audit either, since an audit reports the race's state as another
    /// class and ends the search of that window after an iteration or two, before the recorded symptom could happen
    /// (remote-push-state-before-tag, 2026-12-07 17:45: the run's liveness, a bulk free spinning on an emptied list, found as
    /// §7.1 at a quiescent point or at the end at every window size from 16 to the whole 103). Setup's end is inside the
    /// window too (setup replays the window's operations before the scripts' cut), so it is not audited either: audited, it
    /// ended every window whose setup ran the race's first half (`row.sh` on owner-tag-cleared-before-unlink's seed 66 at
    /// 1be4f8a, 2026-12-07 21:10-21:12, load 24: the run's liveness, free_pcppages_bulk() spinning on a PCP whose count a
    /// stale owned_blocks entry left wrong, met setup's audit as §7.4 after one iteration at windows 1 to 256, and only the
    /// 512 and whole 686 windows ran the scripts). An audit class keeps the audits: the run's audit found it at the
    /// window's end.
    /// </summary>
    private static bool RecordedByAudit(ReproFile file) => file.Invariant.StartsWith('§');

    /// <summary>Scheduling points an operation may make per page of the zone before it counts as not completing.</summary>
    private const int StepsPerZonePage = 16;

    /// <summary>
    /// A run's zone is far larger than a catalogue scenario's, and its PCPs may hold thousands of pages: drain_all_pages() over
    /// them makes scheduling points page by page (free_pcppages_bulk() under zone->lock), and took over 5,000 on highatomic
    /// files (256M, udp) while progressing. No operation touches a page more than a few times, so the bound is a number of
    /// steps per page of the zone: a spin (a liveness bug) still reaches it, only later. (A zone holds at least a pageblock,
    /// so this is always above the catalogue's <see cref="IterationState.DefaultOpStepBudget"/>.) Under Coyote the
    /// iteration's own step bound (<see cref="ReproExplorer"/>'s StepBound, failing when reached) may end a long drain first.
    /// </summary>
    private static int OpStepBudgetFor(ReproFile file) =>
        (int)Math.Min((long)Model.Layout.ZoneSpec.Parse(file.Zone).PresentPages * StepsPerZonePage, int.MaxValue / 2);

    /// <summary>Operations per CPU the engine interleaves (the last ones of each CPU, more where the cut must move: <see cref="Split"/>); the rest run serially in setup.</summary>
    public int Window { get; }

    public InjectedBug Bugs { get; }

    /// <summary>The pages from before the window the snapshot holds (worked out once per scenario).</summary>
    private IReadOnlyList<ReproPage> PagesInSnapshot => _pagesInSnapshot.Value;

    /// <summary>Whether setup restores the file's snapshot (decoded once per file; each iteration's restore is an array copy).</summary>
    public bool RestoresSnapshot => _snapshotUnusable.Value == null;

    /// <summary>Whether an iteration's setup has ended and the later ones restore what it left (<see cref="ReproSetupState"/>).</summary>
    internal bool KeepsSetup => _setupDone != null;

    public DesignKind Design => _design;

    private ScenarioConfig Config { get; }

    public override string Name => ScenarioName;

    public override string Description => $"the last {Window} operations of each CPU of a {File.Workload} run that broke: {File.Violation}";

    public override IReadOnlyList<DesignKind> Designs => [_design];

    public override ScenarioConfig Configure(DesignKind design) => Config;

    public override ScenarioIteration Start(ScenarioRun run) => new Iteration(run, this);

    /// <summary>
    /// The trace carries the file with the stall length actually used (<see cref="ReproInterrupts.StallSteps"/> as
    /// <see cref="ReproInterrupts.Steps"/>), so a replay does not re-derive it from the delay: a changed derivation would change the
    /// configuration and the replay would be refused. The parameter string is the same either way (it names StallSteps).
    /// </summary>
    internal override TraceFile Annotate(TraceFile trace) =>
        trace with { Repro = File.Interrupts is { } irq ? File with { Interrupts = irq with { Steps = irq.StallSteps } } : File, ReproWindow = Window };

    /// <summary>Each CPU's operations the scripts interleave, and the rest in the global order for setup (worked out once per scenario, not per iteration).</summary>
    public (IReadOnlyList<ReproOp> Serial, IReadOnlyList<ReproOp>[] Tails) Split() => (_split.Value.Serial, _split.Value.Tails);

    /// <summary>The pages the scripts allocate (the windows' allocations), each with its CPU (worked out once per scenario).</summary>
    internal IReadOnlyDictionary<int, int> ScriptAllocations => _split.Value.ScriptAllocations;

    /// <summary>Per CPU: the onlines of it in the scripts (each iteration counts them down as they run; worked out once per scenario).</summary>
    internal IReadOnlyList<int> PendingOnlines => _split.Value.PendingOnlines;

    /// <summary>The CPU of each operation, by its sequence number.</summary>
    private IReadOnlyDictionary<int, int> CpuOf => _cpuOf.Value;

    /// <summary>The CPUs offline when the window began, by the rule the builder's merge assumed (<see cref="ReproHotplugStart.Offline"/>).</summary>
    internal IReadOnlyList<int> OfflineAtStart => _offlineAtStart.Value;

    /// <summary>
    /// Each CPU's last <see cref="Window"/> operations for the scripts, and the rest for setup, as a consistent cut: setup never
    /// frees a page that a script allocates (the file's global order put that free after the allocation, and setup would skip
    /// it, leaving the page allocated for good). A CPU whose earlier operation frees such a page gives its script everything
    /// from that operation on; that may put another CPU's free in the same case, so the cut moves until no such free is left
    /// (it only ever moves earlier, so it ends).
    /// </summary>
    private (IReadOnlyList<ReproOp> Serial, IReadOnlyList<ReproOp>[] Tails, Dictionary<int, int> ScriptAllocations, int[] PendingOnlines) SplitOnce()
    {
        var cuts = new int[File.Cpus];
        var allocatedAt = new Dictionary<int, (int Cpu, int Index)>();
        for (var cpu = 0; cpu < File.Cpus; cpu++)
        {
            var ops = File.Operations[cpu];
            cuts[cpu] = Window >= ops.Count ? 0 : ops.Count - Window;
            for (var i = 0; i < ops.Count; i++)
            {
                if (ops[i].Op == ReproOp.Alloc)
                {
                    allocatedAt[ops[i].Page!.Value] = (cpu, i);
                }
            }
        }

        for (var moved = true; moved;)
        {
            moved = false;
            for (var cpu = 0; cpu < File.Cpus; cpu++)
            {
                var ops = File.Operations[cpu];
                for (var i = 0; i < cuts[cpu]; i++)
                {
                    if (ops[i].FreedPages().Any(p => allocatedAt.TryGetValue(p, out var at) && at.Index >= cuts[at.Cpu]))
                    {
                        cuts[cpu] = i;
                        moved = true;
                        break;
                    }
                }
            }
        }

        var tails = new IReadOnlyList<ReproOp>[File.Cpus];
        var serial = new List<ReproOp>();
        for (var cpu = 0; cpu < File.Cpus; cpu++)
        {
            var ops = File.Operations[cpu];
            serial.AddRange(ops.Take(cuts[cpu]));
            tails[cpu] = ops.Skip(cuts[cpu]).ToArray();
        }

        serial.Sort((a, b) => a.Seq.CompareTo(b.Seq));
        var scriptAllocations = allocatedAt.Where(a => a.Value.Index >= cuts[a.Value.Cpu]).ToDictionary(a => a.Key, a => a.Value.Cpu);
        var pendingOnlines = new int[File.Cpus];
        foreach (var op in tails.SelectMany(t => t).Where(o => o.Op == ReproOp.CpuOnline))
        {
            pendingOnlines[op.Target!.Value]++;
        }

        return (serial, tails, scriptAllocations, pendingOnlines);
    }

    private Dictionary<int, int> CpuOfOnce()
    {
        var cpuOf = new Dictionary<int, int>();
        for (var cpu = 0; cpu < File.Cpus; cpu++)
        {
            foreach (var op in File.Operations[cpu])
            {
                cpuOf[op.Seq] = cpu;
            }
        }

        return cpuOf;
    }

    private int[] OfflineAtStartOnce()
    {
        var offline = ReproHotplugStart.Offline(File.Cpus, Enumerable.Range(0, File.Cpus).SelectMany(cpu => File.Operations[cpu]
            .Select((op, i) => (op, Place: (double)i / File.Operations[cpu].Count))
            .Where(e => e.op.Op is ReproOp.CpuDead or ReproOp.CpuOnline)
            .Select(e => new ReproHotplugStart.Event(cpu, e.op.Target!.Value, e.op.Op == ReproOp.CpuOnline,
                ReproHotplugStart.EndEpoch(e.op.Epoch, e.op.DidNotReturn != true), e.Place))));
        return [.. Enumerable.Range(0, File.Cpus).Where(cpu => offline[cpu])];
    }

    private sealed class Iteration : ScenarioIteration
    {
        private readonly ReproScenario _scenario;

        /// <summary>Per CPU: inside one of its script's operations. Written by its script, read by the hotplug events' scripts.</summary>
        private readonly bool[] _busy;

        /// <summary>Per CPU: parked for its death (set when the death begins, cleared when page_alloc_cpu_online() is done).</summary>
        private readonly bool[] _parked;

        /// <summary>Per CPU: page_alloc_cpu_online() for it is running (a second online of it in the scripts waits for nothing: it is skipped).</summary>
        private readonly bool[] _onlining;

        /// <summary>Per CPU: page_alloc_cpu_dead() for it is running (an online of it waits for its end).</summary>
        private readonly bool[] _dying;

        /// <summary>Per CPU: its wait for an online gave up in its current park (set by its own script, cleared by the online).</summary>
        private readonly bool[] _onlineWaitGaveUp;

        /// <summary>Per CPU: onlines of it the scripts have not reached yet (a parked CPU waits for one only while one is to come).</summary>
        private readonly int[] _pendingOnlines;

        /// <summary>Per CPU: its script's operations that have ended, run or skipped (written by its script, read by a death of it: <see cref="Owes"/>).</summary>
        private readonly int[] _ended;

        /// <summary>
        /// Handle to page. No C# lock: the engines run one script at a time and no scheduling point falls inside a lookup or
        /// an update. With one (a Monitor, which Coyote's rewriting also controls), explore --from-repro hung in the workflow
        /// tests: a script's thread spun for good in Monitor.Enter with no other script inside the lock (dotnet-stack).
        /// </summary>
        private readonly Dictionary<int, (long Pfn, int Order)> _pfns = [];


        /// <summary>The script allocations that ran (or were skipped: their CPU offline): a free of their page waits for nothing more. Same no-lock rule as <see cref="_pfns"/>.</summary>
        private readonly HashSet<int> _allocationsDone = [];
        private readonly IReadOnlyList<ReproOp> _serial;
        private readonly IReadOnlyList<ReproOp>[] _tails;

        public Iteration(ScenarioRun run, ReproScenario scenario)
            : base(run)
        {
            _scenario = scenario;
            _busy = new bool[scenario.File.Cpus];
            _parked = new bool[scenario.File.Cpus];
            _onlining = new bool[scenario.File.Cpus];
            _dying = new bool[scenario.File.Cpus];
            (_serial, _tails) = scenario.Split();
            _pendingOnlines = [.. scenario.PendingOnlines];
            _onlineWaitGaveUp = new bool[scenario.File.Cpus];
            _ended = new int[scenario.File.Cpus];
            scenario._reclaim.Attach(FreeReclaimed);
        }

        /// <summary>
        /// A page the run's direct reclaim freed, freed on <paramref name="cpu"/> by this interleaving's reclaim
        /// (<paramref name="inReclaim"/>) or, once the allocation returned, as the pages its reclaim did not reach.
        /// </summary>
        private bool FreeReclaimed(int cpu, ReproFolio page, bool inReclaim)
        {
            var pfn = TakePage(page.Page, page.Order);
            if (pfn < 0)
            {
                return false;
            }

            if (inReclaim)
            {
                Run.Allocator.FreeReclaimed(cpu, pfn, page.Order);
            }
            else
            {
                Run.Allocator.Free(cpu, pfn, page.Order);
            }

            return true;
        }

        public override void Setup()
        {
            if (_scenario._setupDone is { } done)
            {
                RestoreSetup(done);
            }
            else
            {
                RunSetup();
                _scenario._setupDone = new ReproSetupState(Run.Allocator.SaveSnapshot(), new Dictionary<int, (long Pfn, int Order)>(_pfns), Run.State.SaveLog());
            }

            // The scripts begin with the CPUs setup left dead parked.
            for (var cpu = 0; cpu < _parked.Length; cpu++)
            {
                _parked[cpu] = !Run.Allocator.IsOnline(cpu);
            }
        }

        /// <summary>
        /// An earlier iteration's setup, restored: the allocator's state, the handles' pages and setup's step log (so this
        /// iteration's trace holds the steps a replay's setup records). The allocator is fresh, as setup finds it.
        /// </summary>
        private void RestoreSetup(ReproSetupState done)
        {
            Run.Allocator.RestoreSnapshot(done.Snapshot);
            foreach (var (handle, page) in done.Pfns)
            {
                _pfns[handle] = page;
            }

            Run.State.RestoreLog(done.Log);
        }

        /// <summary>The rebuild (the snapshot or the ballast), then every operation before the window, one at a time in the global order.</summary>
        private void RunSetup()
        {
            if (_scenario.RestoresSnapshot)
            {
                RestoreSnapshot();
            }
            else
            {
                RebuildWithBallast();
            }

            foreach (var op in _serial)
            {
                Execute(_scenario.CpuOf[op.Seq], op);
            }
        }

        /// <summary>
        /// The run's state at the window's start, exactly: the allocator the iteration built fresh takes the snapshot (the CPUs
        /// offline there come back offline), and each page the window frees from before it is the snapshot's chunk at its pfn.
        /// </summary>
        private void RestoreSnapshot()
        {
            Run.Allocator.RestoreSnapshot(_scenario.File.DecodedSnapshot()!);
            foreach (var page in _scenario.PagesInSnapshot)
            {
                var pfn = page.Pfn!.Value;
                ref var p = ref Run.Zone.Pages[Run.Zone.RelativePfn(pfn)];
                if (p.State != PageState.Allocated || p.Order != page.Order)
                {
                    throw new InvalidOperationException($"the restored snapshot does not hold page {page.Page} at pfn {pfn:x}, order {page.Order}, as its decoded copy did");
                }

                _pfns[page.Page] = (pfn, page.Order);
            }
        }

        /// <summary>A fresh zone, the ballast when the file has it, the pages from before the window allocated again, the CPUs offline at its start killed.</summary>
        private void RebuildWithBallast()
        {
            if (_scenario.File.Holdings is { } holdings)
            {
                // Under zone->lock, on CPU 0 (every CPU is online until the offline ones die below). The pages the window
                // frees stand in for their own chunks: allocated next, on their CPUs, they are left out of the ballast.
                var standIns = _scenario.File.Pages.Where(p => p.Pfn != null).GroupBy(p => p.Pfn!.Value).ToDictionary(g => g.Key, g => g.First().Order);
                Run.Do(0, "ballast: what the zone held at the window's start", () =>
                {
                    Run.Execution.Lock(ref Run.Zone.Lock, 0, LockSite.BuddyAlloc);
                    ReproBallast.Apply(Run.Zone, holdings, standIns);
                    Run.Execution.Unlock(ref Run.Zone.Lock, 0);
                });
            }

            foreach (var page in _scenario.File.Pages)
            {
                _pfns[page.Page] = (Run.Alloc(page.Cpu, Gfp.HighUserMovable, page.Order), page.Order);
            }

            // The CPUs offline when the window began die here first, on a CPU that is not, so that their page_alloc_cpu_online() finds them dead.
            var offline = _scenario.OfflineAtStart;
            var survivor = Enumerable.Range(0, _scenario.File.Cpus).First(c => !offline.Contains(c));
            foreach (var target in offline)
            {
                Run.CpuDead(target, survivor);
            }
        }

        public override IReadOnlyList<CpuScript> Scripts() =>
            Enumerable.Range(0, _tails.Length)
                .Where(cpu => _tails[cpu].Count > 0)
                .Select(cpu => new CpuScript(cpu, $"its last {_tails[cpu].Count} recorded operations", () =>
                {
                    foreach (var op in _tails[cpu])
                    {
                        Park(cpu, op);
                        _ended[cpu]++;

                        // Everything the waits wait for (an operation's end, an allocation, a death's end, an online) is done by now.
                        Run.State.ScenarioChanged();
                    }
                }))
                .ToArray();

        /// <summary>
        /// An operation of a script with the run's hotplug causality: on the run a dying CPU parks at a quiescent point, between its
        /// operations, before a surviving CPU runs page_alloc_cpu_dead() for it, and runs nothing until it is back online. So an
        /// operation of CPU X begins only while X is not parked (else it waits for X's online while one is still to come in the
        /// scripts, <see cref="AwaitOnline"/>, and is skipped when none is or the wait gives up), and a death of X, inside its
        /// operation, waits until X is between operations (<see cref="Hotplug"/>).
        /// </summary>
        private void Park(int cpu, ReproOp op)
        {
            if (op.Op is ReproOp.CpuDead or ReproOp.CpuOnline)
            {
                Hotplug(cpu, op);
                if (op.Op == ReproOp.CpuOnline)
                {
                    _pendingOnlines[op.Target!.Value]--; // done (or skipped): its target's waiter sees it parked no more, or gives up
                }

                return;
            }

            AwaitAllocations(cpu, op);
            if (!_parked[cpu] || AwaitOnline(cpu))
            {
                _busy[cpu] = true;
                Execute(cpu, op);
                _busy[cpu] = false;
            }

            if (op.Op == ReproOp.Alloc)
            {
                _allocationsDone.Add(op.Page!.Value);
            }
        }

        /// <summary>
        /// The run's causality for a page that travels between CPUs: on the run a free of a page another CPU allocated came after
        /// that allocation returned (the page reached the freeing CPU through the workload), so a free of a page another script
        /// allocates waits, between its CPU's operations (a death may take the CPU meanwhile, as on the run), at scheduling
        /// points on that CPU's scenario location (the engine runs the others meanwhile), until that allocation has run. Without
        /// the wait such a free was skipped in every interleaving that put it first: the page stayed allocated and the race on it
        /// never formed. As long as the run goes on, as the death's wait (<see cref="WaitWhileOthersProgress"/>): a schedule
        /// that starves the others gives up, and the free is skipped as before. No cycle: a free's page is always allocated by
        /// an operation earlier in the file's global order.
        /// </summary>
        private void AwaitAllocations(int cpu, ReproOp op)
        {
            foreach (var page in op.FreedPages())
            {
                if (!_scenario.ScriptAllocations.TryGetValue(page, out var allocator) || allocator == cpu)
                {
                    continue;
                }

                WaitWhileOthersProgress(cpu, SharedLocation.Scenario(allocator), () => !_allocationsDone.Contains(page));
            }
        }

        /// <summary>
        /// Waits at scenario wait points on <paramref name="location"/> while <paramref name="waiting"/> holds, at most
        /// <see cref="ParkWaitPoints"/> of them (a schedule that starves what is waited for ends), or until no other CPU can run.
        /// </summary>
        private void WaitAtMost(SharedLocation location, Func<bool> waiting)
        {
            for (var i = 0; i < ParkWaitPoints && waiting(); i++)
            {
                if (!Run.State.ScenarioWaitPoint(location))
                {
                    return;
                }
            }
        }

        /// <summary>
        /// Waits at scenario wait points on <paramref name="location"/> (outside the operation step budget: <see cref="IterationState.ScenarioWaitPoint"/>)
        /// while <paramref name="waiting"/> holds and the run goes on: it gives up only after <see cref="ParkWaitPoints"/> of its
        /// points, beyond an interrupt's stall, in which no other CPU took a step (a schedule that runs the waiter alone and
        /// starves the rest, which no run does), or when no other CPU can run at all (Coyote parks a waiter until a script's
        /// operation ends: <see cref="IIterationController.AwaitScenario"/>). Whether the wait ended because its condition did.
        /// </summary>
        private bool WaitWhileOthersProgress(int cpu, SharedLocation location, Func<bool> waiting)
        {
            var patience = ParkWaitPoints + (Run.Config.Interrupts?.Steps ?? 0);
            for (long idle = 0, seen = -1; waiting();)
            {
                if (idle >= patience || !Run.State.ScenarioWaitPoint(location))
                {
                    return false;
                }

                var progress = OthersProgress(cpu);
                idle = progress == seen ? idle + 1 : 0;
                seen = progress;
            }

            return true;
        }

        /// <summary>
        /// A parked CPU's next operation waits for its page_alloc_cpu_online(), as the run's CPU ran nothing until it came back
        /// (its operations after the online are the run's, not lost): at scheduling points on a scenario location, while an
        /// online of it is still to come in some script, at most <see cref="ParkWaitPoints"/> (a schedule that starves the online
        /// ends). Whether it is back online; if not, the operation is skipped, as before.
        /// </summary>
        private bool AwaitOnline(int cpu)
        {
            if (_pendingOnlines[cpu] == 0 || _onlineWaitGaveUp[cpu])
            {
                return false;
            }

            WaitAtMost(SharedLocation.Scenario(cpu), () => _parked[cpu] && _pendingOnlines[cpu] > 0);

            // Given up once, the CPU's later operations in this park are skipped without waiting again (each would burn the bound).
            _onlineWaitGaveUp[cpu] = _parked[cpu];
            return !_parked[cpu];
        }

        /// <summary>
        /// A death or online of the op's target as <paramref name="cpu"/>'s operation. A death waits, at scheduling points on a
        /// scenario location (the engine runs the other CPUs meanwhile), until its victim is between operations, has ended every
        /// operation that ended before the death on the run (<see cref="Owes"/>) and is not parked for another death, then
        /// marks it parked: the check and the mark have no point between them, so they are atomic under
        /// the controlled scheduler. An online runs once the death it follows is done (the target offline). The death waits as
        /// long as the run goes on: it gives up only when no other CPU took a step (the victim, or a CPU the victim waits for) in
        /// <see cref="ParkWaitPoints"/> of the death's points beyond an interrupt's stall (a stalled victim takes none until the
        /// other CPUs, the waiting death among them, have taken the stall's steps). Then the schedule runs the death alone and
        /// starves the rest, which no run does, and the death does not happen in it, as an event whose CPU is dead, or whose target is already dead or online, does not.
        /// </summary>
        private void Hotplug(int cpu, ReproOp op)
        {
            var a = Run.Allocator;
            var target = op.Target!.Value;
            if (_parked[cpu] || !a.IsOnline(cpu))
            {
                return;
            }

            // The CPU running the event is busy too: its own death waits for the event's end.
            _busy[cpu] = true;
            if (op.Op == ReproOp.CpuOnline)
            {
                // On the run the online is due only once the death is done (FaultInjector runs both under one lock): page_alloc_cpu_dead()
                // clears the CPU's online flag before it closes the lock-free remote list, and an online in between left an online
                // CPU with its list closed (a §7.4 violation of no design's making, found in absorb-without-owner-check's files).
                if (_dying[target])
                {
                    Run.Do(cpu, $"page_alloc_cpu_online(CPU {target}) waits for page_alloc_cpu_dead(CPU {target})",
                        () => WaitAtMost(SharedLocation.Scenario(target), () => _dying[target]));
                }

                if (_parked[target] && !a.IsOnline(target) && !_onlining[target] && !_dying[target])
                {
                    _onlining[target] = true;
                    Run.CpuOnline(target, cpu);
                    _onlining[target] = false;
                    _parked[target] = false;
                    _onlineWaitGaveUp[target] = false;
                }

                _busy[cpu] = false;
                return;
            }

            Run.Do(cpu, $"page_alloc_cpu_dead(CPU {target})", () =>
            {
                WaitWhileOthersProgress(cpu, SharedLocation.Scenario(target), () => _busy[target] || Owes(target, op.Epoch));
                if (_busy[target] || _parked[target] || !a.IsOnline(target))
                {
                    return;
                }

                _parked[target] = true;
                _dying[target] = true;
                a.CpuDead(target, cpu);
                _dying[target] = false;
            });
            _busy[cpu] = false;
        }

        /// <summary>
        /// Whether <paramref name="target"/>'s script has yet to end an operation that ended before a death of it of
        /// <paramref name="epoch"/> on the run: one of an earlier epoch (the recorder's guarantee is that it ended before the
        /// death ended, and the victim stayed parked from before page_alloc_cpu_dead() began to its end, so it had ended before
        /// the park), or any, when no online of the victim is still to come in the scripts (a dead CPU runs nothing, so every
        /// operation it recorded before the window's end ran before this death; the search would skip the rest). Only the
        /// epochs and the hotplug events order the scripts of different CPUs (the global order within an epoch is a merge,
        /// not a time order). Without the wait the search may run a short driver script's death first, before the victim's
        /// operations: the victim dies holding few pages, its blocks drain whole and no owned_blocks entry goes stale (3 of
        /// 20 owner-tag-cleared-before-unlink files at 005dc2a missed so, seeds 18, 25 and 28, 2026-12-07 17:45-17:52, load
        /// 14-23: README, issue 15's table; at 9fa8b14, with the epochs' part only, the 20 files of seeds 71-90 came back 19
        /// of 20 with it and without it, 21:32-22:01, load 14-37).
        /// A parked victim owes nothing (it runs nothing until its online), nor does an operation that did not return. The
        /// wait is the death's (<see cref="WaitWhileOthersProgress"/>): bounded when the others stop making progress.
        /// </summary>
        private bool Owes(int target, int epoch)
        {
            var next = _ended[target];
            return !_parked[target] && next < _tails[target].Count && _tails[target][next] is { DidNotReturn: not true } op &&
                (op.Epoch < epoch || _pendingOnlines[target] == 0);
        }

        /// <summary>
        /// What the CPUs other than <paramref name="cpu"/> have done so far: operations begun and steps in the current one, a
        /// number that grows with each of their scheduling steps (a step of the victim, or of a CPU it waits for).
        /// </summary>
        private long OthersProgress(int cpu)
        {
            long progress = 0;
            for (var other = 0; other < _busy.Length; other++)
            {
                if (other != cpu)
                {
                    progress += ((long)Run.ScriptOperations[other] << 32) + Run.State.OpSteps(other);
                }
            }

            return progress;
        }

        private void Execute(int cpu, ReproOp op)
        {
            // What the park (see Park) leaves: an operation of a CPU that is offline in this interleaving (its online was not in
            // the window, or the wait gave up), a death of a dead CPU and an online of an online one are skipped, an approximation
            // like a free whose page this interleaving did not allocate.
            var a = Run.Allocator;
            if (!a.IsOnline(cpu) || (op.Op == ReproOp.CpuDead && !a.IsOnline(op.Target!.Value)) || (op.Op == ReproOp.CpuOnline && a.IsOnline(op.Target!.Value)))
            {
                return;
            }

            switch (op.Op)
            {
                case ReproOp.Alloc:
                    _scenario._reclaim.Begin(cpu, op.Reclaimed);
                    var pfn = Run.Alloc(cpu, (Gfp)op.Gfp!.Value, op.Order!.Value, op.Reclaimed == null ? null : () => _scenario._reclaim.End(cpu));
                    _pfns[op.Page!.Value] = (pfn, op.Order!.Value);
                    break;
                case ReproOp.Free:
                    if (TakePage(op.Page!.Value, op.Order!.Value) is var p && p >= 0)
                    {
                        Run.Free(cpu, p, op.Order!.Value);
                    }

                    break;
                case ReproOp.FreeBatch:
                    var folios = op.Folios!.Select(f => (Pfn: TakePage(f.Page, f.Order), f.Order)).Where(f => f.Pfn >= 0).Select(f => new Folio(f.Pfn, f.Order)).ToArray();
                    if (folios.Length > 0)
                    {
                        Run.Do(cpu, $"free_unref_folios({folios.Length} folios)", () => Run.Allocator.FreeUnrefFolios(cpu, folios));
                    }

                    break;
                case ReproOp.DrainAllPages:
                    Run.DrainAllPages(cpu);
                    break;
                case ReproOp.DecayPcpHigh:
                    Run.DecayPcpHigh(cpu);
                    break;
                case ReproOp.ClearBoost:
                    Run.Do(cpu, "balance_pgdat:clear_boost", () => Run.Allocator.ClearWatermarkBoost(cpu));
                    break;
                case ReproOp.CpuDead:
                    Run.CpuDead(op.Target!.Value, cpu);
                    break;
                case ReproOp.CpuOnline:
                    Run.CpuOnline(op.Target!.Value, cpu);
                    break;
            }
        }

        /// <summary>
        /// The page a handle names now, forgetting it (a free), or -1 if it is not allocated in this interleaving, or not at
        /// <paramref name="order"/> (the global order put a free before its allocation: the file's approximation, not the design's).
        /// </summary>
        private long TakePage(int handle, int order) =>
            _pfns.TryGetValue(handle, out var p) && p.Order == order && _pfns.Remove(handle) ? p.Pfn : -1;
    }
}
