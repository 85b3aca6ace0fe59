namespace PcpTestbed.Coyote;

/// <summary>The lock-elision sweep's table and what it could not sweep.</summary>
/// <param name="Rows">One per (design, lock class, acquisition site) some scenario reaches.</param>
/// <param name="Unreached">Per design, the lock sites of the site table no scenario took any lock at: a missing lock there cannot be noticed.</param>
/// <param name="IterationsPerScenario">The budget of each elision run.</param>
public sealed record LockElisionSweepResult(
    IReadOnlyList<LockElisionRow> Rows,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Unreached,
    int IterationsPerScenario)
{
    public IEnumerable<LockElisionRow> Escapes => Rows.Where(r => r.Escaped);
}
