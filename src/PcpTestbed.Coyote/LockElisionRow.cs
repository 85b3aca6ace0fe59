namespace PcpTestbed.Coyote;

/// <summary>
/// One line of the lock-elision sweep: a lock acquisition site of a design, skipped with its release, and the
/// scenario that noticed (with the iteration), or none: the missing lock escaped every scenario that reaches it.
/// </summary>
/// <param name="Design">The design.</param>
/// <param name="Lock">The lock class, e.g. "zone->lock".</param>
/// <param name="Site">The acquisition site, e.g. "rmqueue_bulk".</param>
/// <param name="Scenario">The scenario that found it, or null when it escaped.</param>
/// <param name="Iteration">The iteration that found it, or null.</param>
/// <param name="Invariant">The invariant the finding named, or null.</param>
/// <param name="Tried">The scenarios run (those that reach the site), in the order run.</param>
/// <param name="Redundant">Why the lock is redundant here (<see cref="LockElisionExemptions.Redundant"/>), or null.</param>
public sealed record LockElisionRow(
    string Design, string Lock, string Site, string? Scenario, int? Iteration, string? Invariant, IReadOnlyList<string> Tried, string? Redundant = null)
{
    /// <summary>No scenario noticed the missing lock, and it is not listed as redundant.</summary>
    public bool Escaped => Scenario == null && Redundant == null;

    /// <summary>Listed as redundant, yet a scenario noticed it missing: the exemption is wrong.</summary>
    public bool RedundantButFound => Scenario != null && Redundant != null;

    /// <summary>"pageblock zone->lock@rmqueue_bulk", the form the escape list uses.</summary>
    public string Key => $"{Design} {Lock}@{Site}";
}
