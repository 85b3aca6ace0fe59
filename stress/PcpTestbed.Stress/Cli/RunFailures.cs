using PcpTestbed.Designs;
using PcpTestbed.Execution.Cpus;
using PcpTestbed.Execution.Locking;
using PcpTestbed.Model;
using PcpTestbed.Stress.Reports;
using PcpTestbed.Workloads.Kinds;
using PcpTestbed.Workloads.Run;

namespace PcpTestbed.Stress.Cli;

/// <summary>Tells a run that failed because the allocator misbehaved (a finding: exit 3) from a bug of the testbed (exit 1).</summary>
public static class RunFailures
{
    public static bool IsFinding(Exception e) => e switch
    {
        // Its verdict was reached where the run's options were known (Describe).
        BrokenRunException b => b.Broken.DesignFailure,
        ViolationAftermathException => true,

        // CPUs that missed a quiescent point: the watchdog's verdict says whose fault; a holder that died holding a lock
        // makes the hang as much a finding as what it died of.
        QuiescenceTimeoutException { Report: { } r } q => r.DesignFailure && (q.InnerException is not { } fault || IsFinding(fault)),
        PcpHangException or LockdepException or BadPageException or LockWaitTimeoutException or QuiescenceTimeoutException => true,
        AggregateException a => a.InnerExceptions.Count > 0 && a.InnerExceptions.All(IsFinding),
        InvalidOperationException { InnerException: { } inner } => IsFinding(inner),
        _ => false,
    };

    /// <summary>
    /// <see cref="IsFinding(Exception)"/>, or, with a bug injected, an oops: an index out of range or a null reference thrown
    /// on a CPU, what KASAN or the MMU reports on a kernel whose lists the bug corrupted (a walk of a half-linked list overruns
    /// a buffer). Without an injected bug the designs are meant to be correct, and an oops is the testbed's.
    /// </summary>
    public static bool IsFinding(Exception e, InjectedBug bugs) => IsFinding(e) || (bugs != InjectedBug.None && IsOops(e));

    private static bool IsOops(Exception e) => e switch
    {
        IndexOutOfRangeException or NullReferenceException => true,
        AggregateException a => a.InnerExceptions.Count > 0 && a.InnerExceptions.All(x => IsFinding(x) || IsOops(x)),
        { InnerException: { } inner } => IsOops(inner),
        _ => false,
    };

    /// <summary>The stuck-CPU report behind <paramref name="e"/>, if CPUs hung.</summary>
    public static StuckCpuReport? StuckReport(Exception e) => e switch
    {
        QuiescenceTimeoutException q => q.Report,
        AggregateException a => a.InnerExceptions.Select(StuckReport).FirstOrDefault(r => r != null),
        { InnerException: { } inner } => StuckReport(inner),
        _ => null,
    };

    /// <summary>What a broken run's JSON says about it.</summary>
    public static BrokenRun Describe(RunOptions o, Exception e) => new(
        Designs.Designs.Name(o.Design),
        WorkloadKinds.Name(o.Workload),
        o.Cpus,
        o.Seed,
        o.ZoneDescription,
        o.Faults.Names(),
        $"{e.GetType().Name}: {Values.OneLine(e.Message)}",
        IsFinding(e, o.Bugs),
        StuckReport(e));
}
