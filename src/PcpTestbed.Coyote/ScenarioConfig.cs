using System.Globalization;
using PcpTestbed.Designs;
using PcpTestbed.Model;
using PcpTestbed.Model.Layout;

namespace PcpTestbed.Coyote;

/// <summary>
/// The small machine a scenario runs on: a few emulated CPUs, a zone of a few pageblocks, the highatomic
/// variant and any scenario parameters. A trace file stores all of it, so a replay can tell when the
/// scenario it names has changed since.
/// </summary>
public sealed record ScenarioConfig
{
    /// <summary>Emulated CPUs: one controlled thread each.</summary>
    public required int Cpus { get; init; }

    /// <summary>The zone in <see cref="Model.Layout.ZoneSpec"/> text form, e.g. "8M" or "8M,cma=2@end".</summary>
    public required string Zone { get; init; }

    public HighatomicVariant Highatomic { get; init; } = HighatomicVariants.Default;

    /// <summary>Watermarks to use instead of the kernel's formulas (a scenario that needs the slow path sets them).</summary>
    public Watermarks? Watermarks { get; init; }

    /// <summary>
    /// Scheduling steps one operation of one CPU may take before the iteration fails as "[liveness] operation never
    /// completes" (<see cref="IterationState.DefaultOpStepBudget"/> for the catalogue's small zones). A scenario whose PCPs
    /// may hold thousands of pages raises it: a drain of them is that many pages of points, progress, not a spin.
    /// </summary>
    public int OpStepBudget { get; init; } = IterationState.DefaultOpStepBudget;

    /// <summary>
    /// How long Coyote may see no scheduling decision before it reports a potential deadlock (its deadlock timeout), or null:
    /// Coyote's default. A scenario whose setup runs for seconds without a scheduling point (it has none to offer) raises it.
    /// </summary>
    public TimeSpan? DeadlockTimeout { get; init; }

    /// <summary>
    /// Injected interrupts landed as stalls under Coyote (<see cref="InterruptStall"/>), or null: none. A scenario that sets them
    /// names them in <see cref="Parameters"/> too, so a trace's configuration says so.
    /// </summary>
    internal InterruptStall? Interrupts { get; init; }

    /// <summary>The allocator's reclaim (a reproduction's replays its run's direct reclaim: <see cref="Repro.ReproReclaim"/>), or null: none.</summary>
    internal IReclaimHooks? Reclaim { get; init; }

    /// <summary>
    /// Whether the auditor runs after setup, during the scripts (at every quiescent point, every CPU between operations) and at
    /// their end. A reproduction whose run broke at an access, not at an audit, turns it off: that run audited nowhere inside
    /// its window, and setup's end is inside it (<see cref="Repro.ReproScenario"/>). A scenario that turns it off names it in
    /// <see cref="Parameters"/>.
    /// </summary>
    public bool Audits { get; init; } = true;

    /// <summary>Anything else the scenario's scripts depend on, by name.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The zone spec this configuration names, with the watermark override applied.</summary>
    public ZoneSpec ZoneSpec()
    {
        var spec = Model.Layout.ZoneSpec.Parse(Zone);
        return Watermarks is { } w ? spec with { Watermarks = w } : spec;
    }

    /// <summary>A stable one-line form, for trace files and for comparing a trace with the scenario as it is now.</summary>
    public string Describe()
    {
        var parts = new List<string>
        {
            $"cpus={Cpus.ToString(CultureInfo.InvariantCulture)}",
            $"zone={Zone}",
            $"highatomic={HighatomicVariants.Name(Highatomic)}",
        };
        if (Watermarks is { } w)
        {
            parts.Add(FormattableString.Invariant($"watermarks={w.Min}/{w.Low}/{w.High}/{w.Promo}"));
        }

        parts.AddRange(Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
        return string.Join(' ', parts);
    }
}
