namespace PcpTestbed.Coyote;

/// <summary>
/// The first step at which a replay did not meet the scheduling point its trace recorded: the code changed since the
/// trace was written (a point added, removed or moved), so the recorded schedule no longer fits.
/// </summary>
/// <param name="Step">1-based step of the trace.</param>
/// <param name="Expected">The recorded point, e.g. "lock:rmqueue_pcplist (trylock, CPU 1)".</param>
/// <param name="Found">What the replay met there instead.</param>
public sealed record Divergence(int Step, string Expected, string Found)
{
    /// <summary>"the code changed since this trace: diverged at step K (expected site X, found site Y)".</summary>
    public string Message => $"the code changed since this trace: diverged at step {Step} (expected site {Expected}, found site {Found})";

    /// <summary>
    /// The first step at which a replay's steps are not at the recorded points (CPU, kind, site), or null. A replay that
    /// stopped or ran on where the recording ended is no divergence by itself.
    /// </summary>
    public static Divergence? Between(IReadOnlyList<TraceStep> recorded, IReadOnlyList<TraceStep> replayed)
    {
        var n = Math.Min(recorded.Count, replayed.Count);
        for (var i = 0; i < n; i++)
        {
            if (!recorded[i].SamePoint(replayed[i]))
            {
                return new Divergence(i + 1, recorded[i].Label, replayed[i].Label);
            }
        }

        return null;
    }

    /// <summary>What a divergence names as found when the replay ended clean before the recorded steps did (<see cref="AtCleanEnd"/>).</summary>
    public const string CleanEnd = "none: the replay ended clean there";

    /// <summary>
    /// A replay that met every recorded point as far as it went but ended clean, short of the recording, diverged where it
    /// ended: its schedule stopped fitting (Coyote gives up a replay whose next recorded decision names a thread that cannot
    /// run, without a report), as when setup changed and the scripts began elsewhere. A replay that broke, or ran as long as
    /// the recording, is no divergence by this rule; null then.
    /// </summary>
    public static Divergence? AtCleanEnd(IReadOnlyList<TraceStep> recorded, IReadOnlyList<TraceStep> replayed, bool violated) =>
        violated || replayed.Count >= recorded.Count ? null : new Divergence(replayed.Count + 1, recorded[replayed.Count].Label, CleanEnd);

    /// <summary>A point as a divergence names it: its site, then its kind and CPU in brackets.</summary>
    public static string Label(string site, string kind, int cpu) =>
        site.Length == 0 ? $"({kind}, CPU {cpu})" : $"{site} ({kind}, CPU {cpu})";
}
