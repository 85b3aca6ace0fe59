namespace PcpTestbed.Coyote;

/// <summary>The lock-elision sweep's table and what it could not sweep.</summary>
/// <param name="Rows">One per (design, lock class, acquisition site) some scenario reaches.</param>
/// <param name="Unreached">
/// Per design, the lock sites of the site table no scenario took any lock at, other than those the design never takes
/// (<see cref="LockElisionExemptions.NeverTaken"/>): a missing lock there cannot be noticed.
/// </param>
/// <param name="IterationsPerScenario">The budget of each elision run.</param>
public sealed record LockElisionSweepResult(
    IReadOnlyList<LockElisionRow> Rows,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Unreached,
    int IterationsPerScenario)
{
    public IEnumerable<LockElisionRow> Escapes => Rows.Where(r => r.Escaped);

    /// <summary>Rows escaped as their exemption says they must.</summary>
    public IEnumerable<LockElisionRow> RedundantRows => Rows.Where(r => r.Redundant != null && r.Scenario == null);

    /// <summary>"design class@site" of every site a design was said never to take yet some scenario took: the exemption is wrong.</summary>
    public IReadOnlyList<string> TakenThoughNeverTaken { get; init; } = [];
}
