using PcpTestbed.Execution.Cpus;
using PcpTestbed.Execution.Locking;
using PcpTestbed.Execution.Lockdep;
using PcpTestbed.Execution.LockStat;
using PcpTestbed.Execution.Virtual;
using PcpTestbed.Model;
using PcpTestbed.Model.Sync;
using PcpTestbed.Workloads.Faults;
using PcpTestbed.Workloads.Kinds;
using PcpTestbed.Workloads.Observe;
using PcpTestbed.Workloads.Reclaim;
using PcpTestbed.Workloads.Work;

namespace PcpTestbed.Workloads.Run;

/// <summary>
/// The runner's virtual-time driver (<c>--engine virtual</c>), beside the OS-thread one in <see cref="Runner"/>: the
/// same zone, allocator, workload, audits, faults, reclaim model and report, with the CPUs run by a
/// <see cref="VirtualMachine"/> one step at a time in virtual-time order. Everything the OS-thread coordinator does on
/// a wall-clock schedule is a machine event here, between steps, at virtual times: audits every audit interval, free-page
/// samples, the fault injector's tick every millisecond, decay_pcp_high() raised on every CPU once a virtual second,
/// progress. Every time in the report is virtual and the report depends on no host: the same options give the same JSON.
/// </summary>
/// <remarks>
/// Not here, because nothing in virtual time can need them: the stuck-CPU watchdog (a step cannot be preempted or wait
/// on another CPU; a step that never returned would hang the host thread instead), pinning, hold sampling (every hold is
/// timed) and interrupts at scheduling points (<see cref="HoldDelays.IrqNs"/>: a step runs whole, with no point inside
/// it to land at; <see cref="Runner"/> refuses them, the CLI refuses --irq-*, --pin and --hold-sample). The kernel work is
/// always <see cref="VirtualKernelWork"/> (<see cref="RunOptions.KernelWorkEngine"/> is for threads).
/// </remarks>
internal static class VirtualRunner
{
    /// <summary>How often the fault injector looks for due events (the OS-thread coordinator wakes at least every 200 ms, often every ms).</summary>
    private const long FaultTickNs = 1_000_000;

    /// <summary>How often progress is reported, in virtual time.</summary>
    private const long ProgressNs = 20_000_000;

    /// <summary>vmstat_update()'s period, sysctl_stat_interval (1 s), as on OS threads.</summary>
    private const long DecayNs = 1_000_000_000;

    /// <summary>With an end condition (a test's), the run goes on in slices of this much virtual time until it holds, at most <see cref="MaxSlices"/>.</summary>
    private const long SliceNs = 10_000_000;

    private const int MaxSlices = 10_000;

    public static RunResult Run(RunOptions o)
    {
        var zone = o.ZoneFactory();
        var reclaim = o.Pressure ? new ReclaimModel() : null;
        try
        {
            var config = RunParts.Config(o, reclaim);
            var machine = new VirtualMachine(config.Cpus, o.CostModel ?? CostModel.Default, zone);
            var delays = o.Faults.HoldDelays;

            // Every hold is timed: in virtual time timing is free, and nothing is sampled away.
            if (!o.RecordLocks)
            {
                return o.Faults.HasHoldDelays
                    ? RunWith(o, zone, config, reclaim, machine, new VirtualExecution<VirtualHoldDelayProbe<NoLockProbe>>(machine, new(default, machine, delays)), null)
                    : RunWith(o, zone, config, reclaim, machine, new VirtualExecution<NoLockProbe>(machine, default), null);
            }

            var recorder = new LockStatRecorder(config.Cpus, holdSampleInterval: 1, (ulong)o.Seed, clock: machine);
            var probe = new LockStatProbe(recorder);
            return o.Faults.HasHoldDelays
                ? RunWith(o, zone, config, reclaim, machine, new VirtualExecution<VirtualHoldDelayProbe<LockStatProbe>>(machine, new(probe, machine, delays)), recorder)
                : RunWith(o, zone, config, reclaim, machine, new VirtualExecution<LockStatProbe>(machine, probe), recorder);
        }
        finally
        {
            reclaim?.Dispose();
        }
    }

    private static RunResult RunWith<TExec>(RunOptions o, Zone zone, Designs.AllocatorConfig config, ReclaimModel? reclaim, VirtualMachine machine, TExec exec,
        LockStatRecorder? recorder)
        where TExec : struct, IExecution
    {
        if (!o.Lockdep)
        {
            return RunOn(o, zone, config, reclaim, machine, exec, recorder, null);
        }

        var lockdep = new LockdepState(config.Cpus);
        return RunOn(o, zone, config, reclaim, machine, new LockdepExecution<TExec>(exec, lockdep), recorder, lockdep);
    }

    private static RunResult RunOn<TExec>(RunOptions o, Zone zone, Designs.AllocatorConfig config, ReclaimModel? reclaim, VirtualMachine machine, TExec exec,
        LockStatRecorder? recorder, LockdepState? lockdep)
        where TExec : struct, IExecution
    {
        RunParts? built = null;
        var p = RunParts.Create(o, zone, config, reclaim, exec, recorder, lockdep, setup =>
        {
            var work = new KernelWork(new VirtualKernelWork(machine), o.WorkScale, o.Cpus);
            var workload = setup.CreateWorkload(work, machine);
            var faults = setup.CreateFaults(new VirtualFaultCpus(machine), machine);
            var auditor = new RunAuditor(setup.Allocator, setup.Background, () => built!.Held(), () => Elapsed(machine), o.OnAudit);
            return setup.With(workload, work, faults, new FreePageSampler(zone, o.SampleInterval), auditor);
        });
        built = p;
        machine.ResetStats();
        p.FreePages.Take(TimeSpan.Zero);

        var steps = new VirtualCpuSteps(p, machine);
        RunProgress Progress() => p.Progress(Elapsed(machine), steps.WorkloadSteps);

        // A run with a bug ends at its first violation, as on threads (Runner): an audit's, or lockdep's or CONFIG_DEBUG_VM's,
        // which report at the access and are looked at on the fault tick's period.
        var stopped = false;
        void StopIf(bool broken)
        {
            if (o.StopAtFirstViolation && broken)
            {
                stopped = true;
                machine.Stop();
            }
        }

        machine.Every(ToNs(o.AuditInterval), () => StopIf(!p.Auditor.Audit().IsClean));
        if (o.StopAtFirstViolation)
        {
            machine.Every(FaultTickNs, () => StopIf(lockdep is { Reports: > 0 } || config.DebugVm is { Reports: > 0 }));
        }

        machine.Every(ToNs(p.FreePages.RequestedInterval), () => p.FreePages.TakeIfDue(Elapsed(machine)));
        machine.Every(DecayNs, steps.RaiseTimer);
        if (p.Faults is { } faults)
        {
            machine.Every(FaultTickNs, () => faults.Tick(machine.ElapsedNs));
        }

        if (o.Progress is { } progress)
        {
            machine.Every(ProgressNs, () => progress(Progress()));
        }

        // The budget is counted by the steps (kswapd's are not workload operations); the duration is the machine's, in virtual time.
        var run = machine.Run(steps.Step, new RunLimit(null, o.Duration));
        for (var slice = 0; !stopped && o.Duration != null && o.EndWhen != null && !o.EndWhen(Progress()) && slice < MaxSlices; slice++)
        {
            var more = machine.Run(steps.Step, new RunLimit(null, TimeSpan.FromTicks(SliceNs / 100)));
            run = run with { EndNs = more.EndNs, StepsPerCpu = [.. run.StepsPerCpu.Zip(more.StepsPerCpu, (a, b) => a + b)] };
        }

        machine.ClearEvents();
        var engine = new EngineReport("virtual", true, CostModelReport.From(machine.CostModel, o.CostModelName), machine.LockStats(), run.Steps, machine.EmptySteps);
        return RunReport.Finish(p, TimeSpan.FromTicks(run.ElapsedNs / 100), Elapsed(machine), host: null, engine);
    }

    private static TimeSpan Elapsed(VirtualMachine machine) => TimeSpan.FromTicks(machine.ElapsedNs / 100);

    private static long ToNs(TimeSpan t) => Math.Max(1, t.Ticks * 100);
}
