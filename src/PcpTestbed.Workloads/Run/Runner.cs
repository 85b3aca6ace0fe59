using System.Runtime.CompilerServices;
using PcpTestbed.Designs;
using PcpTestbed.Execution.Clocks;
using PcpTestbed.Execution.Cpus;
using PcpTestbed.Execution.Lockdep;
using PcpTestbed.Execution.Locking;
using PcpTestbed.Execution.LockStat;
using PcpTestbed.Execution.Recorder;
using PcpTestbed.Model;
using PcpTestbed.Model.Sync;
using PcpTestbed.Workloads.Faults;
using PcpTestbed.Workloads.Kinds;
using PcpTestbed.Workloads.Observe;
using PcpTestbed.Workloads.Reclaim;
using PcpTestbed.Workloads.Work;

namespace PcpTestbed.Workloads.Run;

/// <summary>
/// Runs a design under a workload on emulated CPUs: builds the zone and the allocator over the chosen
/// execution (lock recording on or off, hold delays), starts the CPUs, audits at quiescent points on a
/// schedule while injecting faults, then audits at the end, releases everything the workload holds and
/// audits again, counting pages lost.
/// </summary>
public static class Runner
{
    private static readonly TimeSpan ProgressPeriod = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan DecayPeriod = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MinWait = TimeSpan.FromMilliseconds(1);

    public static RunResult Run(RunOptions options)
    {
        Validate(options);
        if (options.Engine == RunEngine.Virtual)
        {
            return VirtualRunner.Run(options);
        }

        var zone = options.ZoneFactory();
        var reclaim = options.Pressure ? new ReclaimModel() : null;
        try
        {
            var config = RunParts.Config(options, reclaim);

            // Each CPU notes what it is doing here, for the stuck-CPU report, and its operations in the flight recorder.
            var activity = new CpuActivityTable(config.Cpus);
            // The recorder runs only for a caller that will read it (the CLI, which writes reproduction files).
            var flight = options.FlightRecorder && options.OnRecording != null ? new FlightRecorder(activity, options.FlightRecorderEntries) : null;
            if (config.DebugVm != null && flight != null)
            {
                // CONFIG_DEBUG_VM's first warning cuts the flight recorder's window at the take that broke the rule.
                config.DebugVm.FirstReport = reason => flight.Cut(reason);
            }

            try
            {
                return RunProbed(options, zone, config, reclaim, activity, flight);
            }
            catch (Exception e) when (flight != null)
            {
                // A CPU threw or hung: the window ends at the throw (the CPU cut it as it threw: OnFault), at the violation that
                // came before it, whose aftermath the throw then is, or, for a run stuck, where the CPUs were when it gave up.
                var after = flight.CutFault == null ? flight.CutReason : null;
                options.OnRecording!(flight.Read(RunViolations.Describe(e), RunViolations.Pfn(e)));
                if (after != null)
                {
                    throw new ViolationAftermathException(after, e);
                }

                throw;
            }
        }
        finally
        {
            reclaim?.Dispose();
        }
    }

    private static RunResult RunProbed(RunOptions options, Zone zone, AllocatorConfig config, ReclaimModel? reclaim, CpuActivityTable activity, FlightRecorder? flight)
    {
        // One generic instantiation per probe combination: a switched-off probe costs nothing.
        if (!options.RecordLocks)
        {
            return options.Faults.HasHoldDelays
                ? RunWith(options, zone, config, reclaim, new OsExecution<HoldDelayProbe<NoLockProbe>>(new(default, options.Faults.HoldDelays), activity, flight), activity, null, flight)
                : RunWith(options, zone, config, reclaim, new OsExecution<NoLockProbe>(default, activity, flight), activity, null, flight);
        }

        var recorder = new LockStatRecorder(config.Cpus, options.HoldSampleInterval, (ulong)options.Seed);
        return options.Faults.HasHoldDelays
            ? RunWith(options, zone, config, reclaim, new OsExecution<HoldDelayProbe<LockStatProbe>>(new(new LockStatProbe(recorder), options.Faults.HoldDelays), activity, flight), activity, recorder, flight)
            : RunWith(options, zone, config, reclaim, new OsExecution<LockStatProbe>(new LockStatProbe(recorder), activity, flight), activity, recorder, flight);
    }

    private static void Validate(RunOptions o)
    {
        if (o.Cpus < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(o), o.Cpus, "expected at least one CPU");
        }

        if (o.Duration == null && o.OperationsPerCpu == null)
        {
            throw new ArgumentException("a run needs a duration or an operation budget", nameof(o));
        }

        if (o.SampleInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(o), o.SampleInterval, "expected a positive free-page sample interval");
        }

        if (!double.IsFinite(o.WorkScale) || o.WorkScale < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(o), o.WorkScale, "expected a finite work scale of 0 or more");
        }

        if (o.FreeBatch is < 1 or > PageAlloc.PagevecSize)
        {
            throw new ArgumentOutOfRangeException(nameof(o), o.FreeBatch, $"expected 1..{PageAlloc.PagevecSize} folios per batched free");
        }

        // The virtual engine runs each allocator call whole: no scheduling point inside it for an interrupt to land at.
        if (o.Engine == RunEngine.Virtual && o.Faults.HoldDelays.IrqNs > 0)
        {
            throw new ArgumentException("interrupts at scheduling points (HoldDelays.IrqNs) need the threads engine; the virtual engine has no point to land them at", nameof(o));
        }
    }

    /// <summary>In lockdep mode the execution is wrapped in lockdep's; without it the CPUs run the bare execution and pay nothing.</summary>
    private static RunResult RunWith<TExec>(RunOptions o, Zone zone, AllocatorConfig config, ReclaimModel? reclaim, TExec exec,
        CpuActivityTable activity, LockStatRecorder? recorder, FlightRecorder? flight)
        where TExec : struct, IExecution
    {
        RunResult result;
        if (o.Lockdep)
        {
            // Lockdep's first report cuts the flight recorder's window at the faulty access.
            var lockdep = new LockdepState(config.Cpus) { FirstReport = flight == null ? null : report => flight.Cut(report) };
            result = RunOn(o, zone, config, reclaim, new LockdepExecution<TExec>(exec, lockdep), activity, recorder, lockdep, flight);
        }
        else
        {
            result = RunOn(o, zone, config, reclaim, exec, activity, recorder, null, flight);
        }

        if (flight != null && (result.InvariantViolations != 0 || result.PagesLost != 0))
        {
            // The audit that found the violation (or lockdep) cut the window with its text and pfn; this text is for a run nothing cut.
            o.OnRecording!(flight.Read(result.Violations.FirstOrDefault() ?? $"[§7.1 single-state] {result.PagesLost} pages lost"));
        }

        return result;
    }

    private static RunResult RunOn<TExec>(RunOptions o, Zone zone, AllocatorConfig config, ReclaimModel? reclaim, TExec exec,
        CpuActivityTable activity, LockStatRecorder? recorder, LockdepState? lockdep, FlightRecorder? flight)
        where TExec : struct, IExecution
    {
        var kswapdCpu = reclaim != null ? o.Cpus : -1;
        for (var cpu = 0; cpu < config.Cpus; cpu++)
        {
            activity.SetNote(cpu, cpu == kswapdCpu ? "kswapd" : $"a {WorkloadKinds.Name(o.Workload)} workload step");
        }

        RunParts? built = null;
        var watchdog = new CpuWatchdog(config.Cpus, activity, () => built!.Allocator.SnapshotLocks(), $"{WorkloadKinds.Name(o.Workload)}, {Designs.Designs.Name(o.Design)}");
        // A CPU's throw is the run's violation at the moment it happens: an audit the stop lets run next would otherwise cut
        // the window first and name the throw's leftovers (the pcp->lock the throwing CPU held: seed 702 of
        // unclamped-bulk-free's row, docs/issue15/row.sh, 2026-12-08 00:12, filed a spin in free_pcppages_bulk() as §7.1).
        Action<int, Exception>? onFault = flight == null ? null : (_, e) => flight.Cut(RunViolations.Describe(e), RunViolations.Pfn(e), e);
        using var machine = new CpuMachine(new CpuMachineOptions(config.Cpus, o.Pin, o.QuiescenceTimeout) { Watchdog = watchdog, OnStuck = o.OnStuck, OnFault = onFault });
        using var mailbox = new CpuMailbox(machine);
        HostEngineClock clock = null!;
        var p = RunParts.Create(o, zone, config, reclaim, exec, recorder, lockdep, setup =>
        {
            // The run's clock starts after the set-up.
            clock = new HostEngineClock();
            var work = new KernelWork(KernelWorkEngine(o), o.WorkScale, o.Cpus, interrupted: cpu => machine.Signal(cpu, CpuSignals.Interrupt));
            var workload = setup.CreateWorkload(work, clock);
            var faults = setup.CreateFaults(new ThreadFaultCpus(machine, mailbox), clock, hotplugOnCpus: true);
            var auditor = new RunAuditor(setup.Allocator, setup.Background, () => built!.Held(), () => TimeSpan.FromTicks(clock.ElapsedNs / 100), o.OnAudit, flight);

            // Before any CPU runs (the background allocated): the start of a window that no clean audit comes before.
            auditor.Checkpoint();
            return setup.With(workload, work, faults, new FreePageSampler(zone, o.SampleInterval), auditor);
        });
        built = p;
        var allocator = p.Allocator;
        var workload = p.Workload;
        var work = p.Work;
        var faults = p.Faults;
        var freePages = p.FreePages;
        var auditor = p.Auditor;
        freePages.Take(TimeSpan.Zero);

        using var exited = new CountdownEvent(config.Cpus);

        // Workload CPUs whose body has not returned (kswapd's is not counted), counted down once each as the body ends: an
        // operation budget is used up at 0. A CPU that a stop reaches before its body starts never counts down, but the
        // run is stopping then already.
        var workloadRunning = o.Cpus;

        TimeSpan Elapsed() => TimeSpan.FromTicks(clock.ElapsedNs / 100);

        RunProgress Progress(TimeSpan now) => p.Progress(now, Operations(machine));

        void Body(CpuContext cpu)
        {
            try
            {
                if (cpu.Id == kswapdCpu)
                {
                    reclaim!.KswapdBody(cpu);
                    return;
                }

                CpuLoop(cpu, o, allocator, workload, mailbox, reclaim, work, faults);
            }
            finally
            {
                // Work posted from now on would never run: the coordinator must not wait for it.
                mailbox.Close(cpu.Id);
                if (cpu.Id != kswapdCpu)
                {
                    Interlocked.Decrement(ref workloadRunning);
                }

                exited.Signal();
            }
        }

        // With an end condition only the coordinator may end a timed run: the machine's own deadline would not wait for it.
        var limit = new RunLimit(o.OperationsPerCpu, o.EndWhen == null ? o.Duration : null);
        machine.Start(Body, limit);
        var nextAudit = o.AuditInterval;
        var nextProgress = TimeSpan.Zero;
        var nextDecay = DecayPeriod;

        // The coordinator ends a timed run itself too: the machine's deadline timer runs on the thread pool,
        // which a process full of CPU threads can starve.
        var deadline = Elapsed() + (o.Duration ?? TimeSpan.MaxValue / 2);

        // Wake for whichever is due first: the deadline, the next audit, free-page sample, decay, fault or progress report; faults are checked at every wake.
        TimeSpan NextFault() => faults == null ? TimeSpan.MaxValue : TimeSpan.FromTicks(Math.Min(faults.NextDueNs, long.MaxValue / 2) / 100);
        // A CPU that a stop reaches before its body starts finishes without running it (and so without signalling exited):
        // the run is over too once every CPU has finished.
        while (!exited.Wait(UntilNext(Elapsed(), Min(Min(Min(deadline, nextAudit), Min(freePages.Next, nextDecay)), NextFault()), nextProgress)) &&
               !machine.AllFinished)
        {
            var now = Elapsed();
            flight?.AdvanceEpoch();
            if (now >= deadline && (o.EndWhen?.Invoke(Progress(now)) ?? true))
            {
                machine.RequestStop();
            }

            if (o.StopAtFirstViolation && (lockdep is { Reports: > 0 } || config.DebugVm is { Reports: > 0 }))
            {
                // lockdep or CONFIG_DEBUG_VM reported (and let the CPUs go on, as the kernel's do): the window was cut at the report.
                machine.RequestStop();
            }

            if (o.OperationsPerCpu != null && Volatile.Read(ref workloadRunning) == 0)
            {
                // An operation budget ends the workload CPUs; kswapd runs until told to stop.
                machine.RequestStop();
            }

            if (now >= nextAudit)
            {
                AuditRecord? audit = null;
                machine.StopTheWorld(() => audit = auditor.Audit());
                if (o.StopAtFirstViolation && audit is { IsClean: false })
                {
                    machine.RequestStop();
                }

                nextAudit = now + o.AuditInterval;
            }

            if (now >= nextDecay)
            {
                // vmstat_update() is per-CPU delayed work every sysctl_stat_interval (1 s), rounded to whole seconds
                // (round_jiffies_relative()), so every CPU's refresh_cpu_vm_stats() -> decay_pcp_high() is due together.
                for (var cpu = 0; cpu < o.Cpus; cpu++)
                {
                    machine.Signal(cpu, CpuSignals.Timer);
                }

                nextDecay += DecayPeriod;
            }

            freePages.TakeIfDue(now);
            faults?.Tick(clock.ElapsedNs);
            watchdog.Sample();
            if (now >= nextProgress)
            {
                o.Progress?.Invoke(Progress(now));
                nextProgress = now + ProgressPeriod;
            }
        }

        var run = machine.Join(machine.QuiescenceTimeout);
        return RunReport.Finish(p, run.Elapsed, Elapsed(), new HostReport(run.HostCores, run.Pinned, run.Oversubscribed), EngineReport.Threads);
    }

    /// <summary>The coordinator's wait: until the earlier of two deadlines, at least a millisecond, at most a progress period.</summary>
    internal static TimeSpan UntilNext(TimeSpan now, TimeSpan nextAudit, TimeSpan nextProgress)
    {
        var next = (nextAudit < nextProgress ? nextAudit : nextProgress) - now;
        return next < MinWait ? MinWait : next > ProgressPeriod ? ProgressPeriod : next;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static long Operations(CpuMachine machine) => Enumerable.Range(0, machine.CpuCount).Sum(c => machine.Cpu(c).Operations);

    /// <summary>The kernel work's engine: the options' (a test's counting engine), or the host's, calibrated only when something is charged.</summary>
    private static IKernelWork KernelWorkEngine(RunOptions o) =>
        o.KernelWorkEngine?.Invoke(o.Cpus) ?? new HostKernelWork(o.Cpus, o.WorkScale > 0 ? HostWorkCalibration.Shared : null);

    /// <summary>
    /// A CPU's life: one workload step per quiescent point. Whatever else a CPU does arrives as a signal in its control
    /// word (posted work, the vmstat timer's decay_pcp_high(), TLB shootdown IPIs), so with nothing pending a step is one
    /// volatile read plus the step; drain storms and the page cache (fault and pressure runs only) follow the step.
    /// </summary>
    private static void CpuLoop(CpuContext cpu, RunOptions o, IPageAllocator allocator, Workload workload, CpuMailbox mailbox, ReclaimModel? reclaim,
        KernelWork work, FaultInjector? faults) =>
        workload.RunSteps(new StepLoop(cpu, o, allocator, mailbox, reclaim, work, o.Faults.CpuHotplug ? faults : null));

    /// <summary>The loop of <see cref="CpuLoop"/>, compiled once per workload's steps so each step is a direct call.</summary>
    private sealed class StepLoop(CpuContext cpu, RunOptions o, IPageAllocator allocator, CpuMailbox mailbox, ReclaimModel? reclaim, KernelWork work,
        FaultInjector? hotplug)
        : ICpuStepLoop
    {
        /// <summary>
        /// Steps per call of <see cref="Steps"/>. The loop is a method called over and over rather than one long loop, so
        /// the runtime compiles it like any hot method, with its profile, and not as a loop patched in mid-run (on-stack
        /// replacement, whose code keeps its locals on the stack); a return every 64 steps costs nothing that shows.
        /// </summary>
        private const int StepsPerCall = 64;

        private readonly int _id = cpu.Id;
        private readonly Support.CpuRandom _random = RunParts.DrainStormRandom(o, cpu.Id);
        private readonly int _drainStorm = o.Faults.DrainStormPercent;
        private readonly bool _afterStep = o.Faults.DrainStormPercent > 0 || reclaim != null;

        public void Run<TSteps>(TSteps steps)
            where TSteps : struct, IWorkloadSteps
        {
            while (Steps(ref steps))
            {
            }
        }

        /// <returns>False when the run is over for this CPU.</returns>
        [MethodImpl(MethodImplOptions.NoInlining)]
        private bool Steps<TSteps>(ref TSteps steps)
            where TSteps : struct, IWorkloadSteps
        {
            for (var i = 0; i < StepsPerCall; i++)
            {
                if (!cpu.QuiescentPoint(out var signals))
                {
                    return false;
                }

                if (signals != CpuSignals.None)
                {
                    TakeSignals(_id, signals, allocator, mailbox, work);
                }

                // Between operations, holding no lock: this CPU may be the one a due CPU death or online runs on.
                hotplug?.TryHotplug(_id);
                steps.Step(_id);
                if (_afterStep)
                {
                    AfterStep();
                }
            }

            return true;
        }

        /// <summary>Drain storms and the page cache: fault and pressure runs only.</summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        private void AfterStep()
        {
            if (_drainStorm > 0 && _random.Percent(_drainStorm))
            {
                allocator.DrainAllPages(_id);
            }

            reclaim?.AfterStep(_id);
        }
    }

    /// <summary>What other threads asked of CPU <paramref name="id"/> since its last quiescent point.</summary>
    private static void TakeSignals(int id, CpuSignals signals, IPageAllocator allocator, CpuMailbox mailbox, KernelWork work)
    {
        if ((signals & CpuSignals.Interrupt) != 0)
        {
            work.TakeInterrupts(id);
        }

        if ((signals & CpuSignals.PostedWork) != 0)
        {
            mailbox.RunPending(id);
        }

        if ((signals & CpuSignals.Timer) != 0)
        {
            // refresh_cpu_vm_stats() runs decay_pcp_high() about once a second on every CPU.
            allocator.DecayPcpHigh(id);
        }
    }
}
