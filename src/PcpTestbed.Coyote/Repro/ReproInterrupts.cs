using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote.Repro;

/// <summary>
/// The interrupts a run injected (<c>--faults hold-delay --irq-delay-ns --irq-percent --irq-site</c>): a busy-wait of
/// <see cref="DelayNs"/> at <see cref="Percent"/> of each CPU's scheduling points at the <see cref="Sites"/> named (every
/// site when null), none under zone->lock. explore --from-repro lands them as stalls (<see cref="InterruptStall"/>): the
/// CPU stops at such a point until the other CPUs have taken <see cref="StallSteps"/> scheduling steps.
/// </summary>
/// <param name="Sites">The scheduling-point site names (<see cref="PointSites.Name"/>), or null for every site.</param>
/// <param name="Percent">Percent of those points an interrupt lands at (1-100).</param>
/// <param name="DelayNs">The interrupt's busy-wait on the run.</param>
/// <param name="Steps">The stall in other CPUs' scheduling steps, when set by explore --from-repro's --irq-steps; else derived from the delay.</param>
public sealed record ReproInterrupts(IReadOnlyList<string>? Sites, int Percent, long DelayNs, int? Steps = null)
{
    /// <summary>The delay a file without interrupts gets with explore --from-repro --irq-site: the README's interrupt rows' 2 ms, at every point of the sites.</summary>
    public const long DefaultDelayNs = 2_000_000;

    /// <summary>
    /// The run's time per scheduling point, to turn the delay into other CPUs' steps: one shared access or lock attempt on an OS
    /// thread, with the recorder's and the probe's work, is of the order of 100 ns on this host (an estimate, not a measurement
    /// of the recorded run, which the file does not time). At 2 ms that is 20,000 steps, capped at <see cref="MaxDerivedSteps"/>.
    /// </summary>
    public const long NsPerStep = 100;

    /// <summary>
    /// The most a derived stall lasts: half the scenario's wait bound (<see cref="ReproScenario.ParkWaitPoints"/>). Until
    /// 2026-12-07 17:20 a death in the scripts gave up after that many of its own points, and a stall longer than that turned
    /// every death of a stalled victim into no death at all (release-after-drain's files came back 0 of 5 with stalls of 20,000
    /// steps, 4 of 5 with 512; 12-07 15:32-15:41). The death now waits while the others progress, and with it five new files of
    /// that row came back 3 of 5 with `--irq-steps 20000` against 5 of 5 with 512 (12-07 17:56-18:02: longer stalls make
    /// longer iterations), so the cap stays. A stall of 512 steps still outlasts an operation (tens of points) several times
    /// over, and one of any length ends when no other CPU can run. It does not outlast a death, which in the scripts waits for
    /// its victim and then drains the PCP page by page, hundreds of its own points, where on the run one 2 ms interrupt covered
    /// a death, 59 operations and the online on the driving CPU (absorb-without-owner-check's seed-101 file, 12-07). Points are
    /// not time: the run's operations are dominated by kernel work (--work-scale) and a drain's points are cheap, so a stall
    /// counted in the other CPUs' operations would be closer; the file carries no time to derive their count from (the epochs
    /// advance only at the coordinator's wake-ups, two per window on hotplug runs).
    /// </summary>
    public const int MaxDerivedSteps = ReproScenario.ParkWaitPoints / 2;

    /// <summary>Other CPUs' scheduling steps a stall lasts: <see cref="Steps"/>, or the delay over <see cref="NsPerStep"/> (1 to <see cref="MaxDerivedSteps"/>).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int StallSteps => Steps ?? (int)Math.Clamp(DelayNs / NsPerStep, 1, MaxDerivedSteps);

    /// <summary>The first name that is not a scheduling-point site ("" for no names at all), or null when all are.</summary>
    public static string? UnknownSite(IReadOnlyCollection<string> names) =>
        names.Count == 0 ? "" : PointSites.Named(names, out var unknown) == null ? unknown : null;

    /// <summary>What is wrong with the fields, or null.</summary>
    internal string? Problem() =>
        Percent is < 1 or > 100 ? $"percent {Percent}, expected 1-100"
        : DelayNs < 1 ? $"delay {DelayNs} ns, expected above 0"
        : Steps is < 1 ? $"steps {Steps}, expected at least 1"
        : Sites is { } s && UnknownSite(s) is { } bad ? $"site '{bad}', expected scheduling-point site names"
        : null;

    /// <summary>The stall under Coyote: the sites as point numbers.</summary>
    internal InterruptStall Stall()
    {
        var points = new bool[PointSites.Count];
        for (var id = 0; id < PointSites.Count; id++)
        {
            points[id] = Sites == null || Sites.Contains(PointSites.Name(id), StringComparer.Ordinal);
        }

        return new InterruptStall(points, Percent, StallSteps);
    }

    /// <summary>One line: "lock:x+lock:y, 100% of points, 2,000,000 ns on the run: a stall until the other CPUs took 512 scheduling steps ...".</summary>
    public string Describe() =>
        $"{(Sites == null ? "every site" : string.Join('+', Sites))}, {Percent}% of points, {DelayNs:N0} ns on the run: a stall until the other CPUs took {StallSteps:N0} scheduling steps" +
        (Steps == null ? $" (the delay over {NsPerStep} ns a step, at most {MaxDerivedSteps})" : " (--irq-steps)") + " or none can run";
}
