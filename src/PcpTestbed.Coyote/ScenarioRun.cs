using System.Globalization;
using PcpTestbed.Designs;
using PcpTestbed.Model;
using PcpTestbed.Model.Audit;
using PcpTestbed.Model.Layout;

namespace PcpTestbed.Coyote;

/// <summary>
/// One iteration's machine: a fresh zone and allocator over <see cref="CoyoteExecution"/> (under either controller), and the allocator
/// entry points wrapped as operations. An operation marks its CPU busy; when the last busy CPU returns, the
/// iteration is at a quiescent point and the full auditor runs, then the scenario's own check. An exception
/// the model throws (a hang it stopped, a lockdep assertion, a bad page) fails the iteration with its text.
/// </summary>
public sealed class ScenarioRun
{
    private readonly IterationState _state;

    /// <summary>Per CPU: script operations begun so far (each written only by its CPU's thread).</summary>
    private readonly int[] _scriptOps;

    /// <summary>Per CPU: inside its script (set and cleared by its own thread).</summary>
    private readonly bool[] _inScript;

    internal ScenarioRun(ScenarioConfig config, DesignKind design, InjectedBug bugs, IterationState state)
    {
        Config = config;
        Design = design;
        Bugs = bugs;
        _state = state;
        Zone = ZoneBuilder.Build(config.ZoneSpec());
        Execution = new CoyoteExecution(state);
        // CONFIG_DEBUG_VM's checks are always on here: they add no scheduling point, hold on every clean scenario, and a
        // warning fails the iteration at once, under the class a real-thread run's reproduction file records.
        var debugVm = new VmWarnings { FirstReport = state.Fail };
        Allocator = AllocatorFactory.Create(design, Zone,
            new AllocatorConfig { Cpus = config.Cpus, Highatomic = config.Highatomic, Bugs = bugs, DebugVm = debugVm, Reclaim = config.Reclaim ?? NoReclaim.Instance }, Execution);
        if (config.Audits)
        {
            state.OnQuiescent = CheckInvariants;
        }

        _scriptOps = new int[config.Cpus];
        _inScript = new bool[config.Cpus];
    }

    /// <summary>Script operations to skip, by CPU and index in its script (a shrunk trace's); setup operations are never skipped.</summary>
    internal IReadOnlySet<ScriptOp>? Skip { get; set; }

    /// <summary>Script operations each CPU has begun (skipped ones included).</summary>
    public IReadOnlyList<int> ScriptOperations => _scriptOps;

    public ScenarioConfig Config { get; }

    public DesignKind Design { get; }

    public InjectedBug Bugs { get; }

    public Zone Zone { get; }

    public PageAllocator<CoyoteExecution> Allocator { get; }

    /// <summary>The seam itself, for scenario code that races on purpose (the canary).</summary>
    public CoyoteExecution Execution { get; }

    public bool IsPageblock => Designs.Designs.IsPageblock(Design);

    internal ScenarioIteration? Iteration { get; set; }

    /// <summary>The iteration's state: its step log, for a setup that restores an earlier iteration's (<see cref="IterationState.RestoreLog"/>).</summary>
    internal IterationState State => _state;

    /// <summary>
    /// alloc_pages() on <paramref name="cpu"/>: the absolute pfn, or -1. <paramref name="returned"/>, if any, runs inside the
    /// operation once the allocation has returned (a reproduction's frees of the pages the run's direct reclaim freed and this
    /// interleaving's did not reach: outside the operation, other CPUs' quiescent points audited the zone in mid-free).
    /// </summary>
    public long Alloc(int cpu, Gfp gfp, int order, Action? returned = null) =>
        Op(cpu, $"alloc(order {order}, {GfpName(gfp)})", () =>
        {
            var pfn = Allocator.Allocate(cpu, gfp, order).Pfn;
            returned?.Invoke();
            return pfn;
        }, pfn => pfn, -1L);

    /// <summary>__free_pages() on <paramref name="cpu"/>.</summary>
    public void Free(int cpu, long pfn, int order) =>
        Op(cpu, $"free(pfn {Hex(pfn)}, order {order})", () =>
        {
            Allocator.Free(cpu, pfn, order);
            return 0;
        }, _ => -1, 0);

    /// <summary>drain_all_pages() run on <paramref name="cpu"/>.</summary>
    public void DrainAllPages(int cpu) => Do(cpu, "drain_all_pages()", () => Allocator.DrainAllPages(cpu));

    /// <summary>decay_pcp_high() from <paramref name="cpu"/>'s vmstat work.</summary>
    public void DecayPcpHigh(int cpu) => Do(cpu, "decay_pcp_high()", () => Allocator.DecayPcpHigh(cpu));

    /// <summary>page_alloc_cpu_dead(<paramref name="deadCpu"/>) run on <paramref name="cpu"/>.</summary>
    public void CpuDead(int deadCpu, int cpu) => Do(cpu, $"page_alloc_cpu_dead(CPU {deadCpu})", () => Allocator.CpuDead(deadCpu, cpu));

    /// <summary>page_alloc_cpu_online(<paramref name="onlineCpu"/>), run by <paramref name="cpu"/>.</summary>
    public void CpuOnline(int onlineCpu, int cpu) => Do(cpu, $"page_alloc_cpu_online(CPU {onlineCpu})", () => Allocator.CpuOnline(onlineCpu, cpu));

    /// <summary>Any scenario action as an operation of <paramref name="cpu"/>: it counts for quiescence and the step log.</summary>
    public void Do(int cpu, string description, Action action) =>
        Op(cpu, description, () =>
        {
            action();
            return 0;
        }, _ => -1, 0);

    /// <summary>Fails the iteration with a scenario invariant's text.</summary>
    public void Fail(string message) => _state.Fail(message);

    /// <summary>Runs the auditor and the scenario's invariant now. Only at quiescent points.</summary>
    internal void CheckInvariants(string where)
    {
        var report = Allocator.Audit();
        if (!report.IsClean)
        {
            _state.Fail(Violations.OfAudit([.. report.Violations.Select(v => v.ToString())], report.ViolationCount, where));
        }

        if (Iteration?.CheckQuiescent() is { } violation)
        {
            _state.Fail($"{violation} ({where})");
        }
    }

    internal void RunScript(CpuScript script)
    {
        IterationState.EnterCpu(script.Cpu);
        _inScript[script.Cpu] = true;
        script.Body();
        _inScript[script.Cpu] = false;
        _state.FinishCpu(script.Cpu);
    }

    public static string Hex(long value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture);

    /// <summary>The kernel's name for the GFP masks the scenarios use.</summary>
    public static string GfpName(Gfp gfp) => gfp switch
    {
        Gfp.Kernel => "GFP_KERNEL",
        Gfp.Atomic => "GFP_ATOMIC",
        Gfp.HighUserMovable => "GFP_HIGHUSER_MOVABLE",
        Gfp.Kernel | Gfp.Movable => "GFP_KERNEL|__GFP_MOVABLE",
        Gfp.Kernel | Gfp.Reclaimable => "GFP_KERNEL|__GFP_RECLAIMABLE",
        Gfp.Atomic | Gfp.Movable => "GFP_ATOMIC|__GFP_MOVABLE",
        Gfp.NoWait => "GFP_NOWAIT",
        _ => "gfp " + Hex((long)gfp),
    };

    private T Op<T>(int cpu, string description, Func<T> body, Func<T, long> resultCode, T skipped)
    {
        if (_inScript[cpu])
        {
            var index = _scriptOps[cpu]++;
            if (Skip?.Contains(new ScriptOp(cpu, index)) == true)
            {
                return skipped;
            }
        }

        _state.BeginOp(cpu, description);
        T result;
        try
        {
            result = body();
        }
        catch (Exception e) when (IsModelFailure(e))
        {
            _state.Fail(Describe(cpu, description, e));
            throw;
        }

        _state.EndOp(cpu, (int)Math.Clamp(resultCode(result), -1, int.MaxValue));
        return result;
    }

    /// <summary>
    /// An exception from the model or a design. Never Coyote's own: the runtime ends an iteration by
    /// interrupting its threads, and a catch that swallowed that would leave a thread running uncontrolled.
    /// </summary>
    private static bool IsModelFailure(Exception e) =>
        e is not ThreadInterruptedException and not Microsoft.Coyote.Runtime.RuntimeException and not OperationCanceledException;

    private static string Describe(int cpu, string op, Exception e) => e switch
    {
        PcpHangException => $"[liveness] operation never completes: CPU {cpu} in {op}: {e.Message}",
        LockdepException => $"[lockdep] CPU {cpu} in {op}: {e.Message}",
        BadPageException => $"[bad-page] CPU {cpu} in {op}: {e.Message}",
        _ => $"[exception] CPU {cpu} in {op}: {e.GetType().Name}: {e.Message}",
    };
}
