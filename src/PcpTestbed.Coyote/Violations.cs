namespace PcpTestbed.Coyote;

/// <summary>
/// Violation texts and the invariant each names. Every violation this engine reports starts with the invariant
/// in brackets: an auditor rule ("[§7.4 ownership] ..."), "[liveness] operation never completes: ...",
/// "[lockdep] ...", "[bad-page] ...", or a scenario's own ("[cma-first] ...").
/// </summary>
public static class Violations
{
    public const string Liveness = "liveness";

    /// <summary>A lockdep report: a failed lockdep_assert_held(), a possible circular or recursive locking, a lock held at return.</summary>
    public const string Lockdep = "lockdep";

    /// <summary>The invariant a violation names: the bracketed prefix, or a name for Coyote's own reports.</summary>
    public static string InvariantOf(string violation)
    {
        if (violation.StartsWith('['))
        {
            var end = violation.IndexOf(']');
            if (end > 1)
            {
                return violation[1..end];
            }
        }

        if (violation.StartsWith("Deadlock detected", StringComparison.Ordinal) ||
            violation.StartsWith("Potential deadlock", StringComparison.Ordinal) ||
            violation.StartsWith("Scheduling steps bound", StringComparison.Ordinal))
        {
            return Liveness;
        }

        return violation.StartsWith("Unhandled exception", StringComparison.Ordinal) ? "exception" : "unknown";
    }
}
