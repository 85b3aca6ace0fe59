using PcpTestbed.Designs;
using PcpTestbed.Execution.Cpus;
using PcpTestbed.Execution.Locking;
using PcpTestbed.Model;

namespace PcpTestbed.Stress.Cli;

/// <summary>Tells a run that failed because the allocator misbehaved (a finding: exit 3) from a bug of the testbed (exit 1).</summary>
public static class RunFailures
{
    public static bool IsFinding(Exception e) => e switch
    {
        PcpHangException or LockdepException or BadPageException or LockWaitTimeoutException or QuiescenceTimeoutException => true,
        AggregateException a => a.InnerExceptions.Count > 0 && a.InnerExceptions.All(IsFinding),
        InvalidOperationException { InnerException: { } inner } => IsFinding(inner),
        _ => false,
    };
}
