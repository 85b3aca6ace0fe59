namespace PcpTestbed.Coyote;

/// <summary>
/// The trace file of a failing iteration, as every engine that finds one writes it (explore under Coyote, explore
/// --exhaustive, shrink): the fields they share are set here, each engine adds its own (Coyote's strategy and trace, our
/// scheduler's schedule) with <c>with</c>, and <see cref="Save"/> adds the scenario's annotations and writes the file.
/// </summary>
internal static class FailureTrace
{
    /// <summary>Where an exploration writes its trace when its options name no directory.</summary>
    public static string DefaultDirectory => Path.Combine(Path.GetTempPath(), "pcptestbed-coyote");

    /// <summary>
    /// The fields every engine's trace carries: what ran (<paramref name="scenario"/> on <paramref name="config"/>, the
    /// design and bug names), the step bound, the violation and the invariant it names (<paramref name="sought"/>, the class the
    /// engine searched for, when the violation names it), the readable steps, how many of them the setup took, and the elided
    /// lock; the engine's own fields are left for the caller.
    /// </summary>
    public static TraceFile Of(string engine, Scenario scenario, ScenarioConfig config, string design, IReadOnlyList<string> bugs, uint maxSteps,
        string violation, IReadOnlyList<TraceStep> steps, int? setupSteps, string? elidedLock, string? sought = null) => new()
    {
        Engine = engine,
        SiteTable = SiteTable.Current,
        Scenario = scenario.Name,
        Design = design,
        Bugs = bugs,
        Configuration = TraceConfiguration.From(config),
        MaxSteps = maxSteps,
        Violation = violation,
        Invariant = Violations.InvariantOf(violation, sought),
        Steps = steps,
        ElidedLock = elidedLock,
        SetupSteps = setupSteps,
    };

    /// <summary>Adds what <paramref name="scenario"/> needs besides its name to be replayed, writes the trace at <paramref name="path"/> and returns what it wrote.</summary>
    public static TraceFile Save(Scenario scenario, TraceFile trace, string path)
    {
        var annotated = scenario.Annotate(trace);
        annotated.Save(path);
        return annotated;
    }
}
