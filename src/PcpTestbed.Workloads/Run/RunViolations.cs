using PcpTestbed.Execution.Cpus;
using PcpTestbed.Execution.Locking;
using PcpTestbed.Designs;
using PcpTestbed.Model;

namespace PcpTestbed.Workloads.Run;

/// <summary>A run that threw, as a violation text with its invariant in brackets, as audits and explorations name theirs.</summary>
public static class RunViolations
{
    /// <summary>"[bad-page] ...", "[liveness] ...", "[lockdep] ...", or "[exception] ..." for anything else.</summary>
    public static string Describe(Exception e)
    {
        var finding = Find(e);
        return finding switch
        {
            BadPageException b => $"[bad-page] {b.Message}",
            LockdepException l => $"[lockdep] {l.Message}",
            PcpHangException or LockWaitTimeoutException or QuiescenceTimeoutException => $"[liveness] operation never completes: {OneLine(finding.Message)}",
            _ => $"[exception] {e.GetType().Name}: {OneLine(e.Message)}",
        };
    }

    /// <summary>The absolute pfn a run's failure names: a bad page's, else null.</summary>
    public static long? Pfn(Exception e) => Find(e) is BadPageException b ? b.Pfn : null;

    /// <summary>The allocator's own exception inside a run's failure (a CPU's, wrapped by the machine), else the failure itself.</summary>
    private static Exception Find(Exception e)
    {
        if (IsFinding(e))
        {
            return e;
        }

        IEnumerable<Exception> inner = e is AggregateException a ? a.InnerExceptions : e.InnerException is { } i ? [i] : [];
        return inner.Select(Find).FirstOrDefault(IsFinding) ?? e;
    }

    private static bool IsFinding(Exception e) => e is BadPageException or LockdepException or PcpHangException or LockWaitTimeoutException;

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}
