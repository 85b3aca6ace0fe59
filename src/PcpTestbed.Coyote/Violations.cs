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

    /// <summary>
    /// The class a search for <paramref name="sought"/> found in <paramref name="violation"/>: <paramref name="sought"/> when the
    /// violation names it (<see cref="Names"/>: an audit's failure may name it after its first), else the violation's own
    /// (<see cref="InvariantOf(string)"/>). A trace keeps this one, so that shrink keeps the class that was searched for.
    /// </summary>
    public static string InvariantOf(string violation, string? sought) => sought != null && Names(violation, sought) ? sought : InvariantOf(violation);

    /// <summary>What an audit's failure says after its first violation, before the other classes it found (<see cref="OfAudit"/>).</summary>
    private const string AuditAlsoFound = "; the audit also found ";

    /// <summary>
    /// An audit's failure: its first violation in the auditor's order, where the audit ran, how many more it found, and the
    /// other classes among those it kept, so that a search for one class finds it whichever the auditor put first
    /// (<see cref="Names"/>): a reproduction's audit finds the set of rules its run's broke, the order is the auditor's.
    /// </summary>
    /// <param name="violations">The violations the audit kept, as "[class] text", in its order (at least one).</param>
    /// <param name="count">How many it found (it keeps the first ones only).</param>
    public static string OfAudit(IReadOnlyList<string> violations, long count, string where)
    {
        ArgumentNullException.ThrowIfNull(violations);
        ArgumentOutOfRangeException.ThrowIfLessThan(violations.Count, 1, nameof(violations));
        var first = InvariantOf(violations[0]);
        var others = violations.Select(InvariantOf).Distinct().Where(c => c != first).Select(c => $"[{c}]").ToArray();
        var more = count > 1 ? $"; {count - 1} more violation(s)" : "";
        var also = others.Length > 0 ? AuditAlsoFound + string.Join(' ', others) : "";
        return $"{violations[0]} ({where}{more}{also})";
    }

    /// <summary>
    /// Whether <paramref name="violation"/> names <paramref name="invariant"/>: as its own class, or, for an audit's failure,
    /// among the other classes the audit found (<see cref="OfAudit"/>).
    /// </summary>
    public static bool Names(string violation, string invariant)
    {
        ArgumentNullException.ThrowIfNull(violation);
        if (InvariantOf(violation) == invariant)
        {
            return true;
        }

        var also = violation.LastIndexOf(AuditAlsoFound, StringComparison.Ordinal);
        if (also < 0 || !violation.EndsWith("])", StringComparison.Ordinal))
        {
            return false;
        }

        var classes = violation[(also + AuditAlsoFound.Length + 1)..^2];
        return classes.Split("] [").Contains(invariant);
    }
}
