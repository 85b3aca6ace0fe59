using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote;

/// <summary>
/// A bug's trace file (JSON): what ran (scenario, design, bugs, machine), which engine found it and how (Coyote's
/// strategy and seed, or our scheduler's preemption bound), the violation, the schedule (Coyote's reproducible trace
/// stored verbatim, or our schedule: the CPU, kind and site of every step), the site table's fingerprint, the lock
/// order lockdep had seen before the failing iteration, and that iteration's steps for a human to read.
/// <see cref="Replayer"/> re-runs it.
/// </summary>
public sealed record TraceFile
{
    /// <summary>
    /// Bumped whenever a field changes meaning; other versions are refused, not guessed at. Version 2: scheduling points
    /// name their location and access site, lockdep's lock order carries across iterations, lock-elision runs. Version 3:
    /// the <see cref="Engine"/> (Coyote's fields are present for "coyote" only, <see cref="Schedule"/> for "dfs"), the
    /// site table's fingerprint (<see cref="SiteTable"/>), and trylocks that fail while a CPU waits in spin_lock().
    /// </summary>
    public const int CurrentFormatVersion = 3;

    /// <summary>The trace of a Coyote exploration.</summary>
    public const string CoyoteEngine = "coyote";

    /// <summary>The trace of our own scheduler (explore --exhaustive).</summary>
    public const string DfsEngine = "dfs";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,

        // The file is for people too: keep §, quotes and arrows as they are (it is never embedded in HTML).
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary><see cref="CoyoteEngine"/> or <see cref="DfsEngine"/>.</summary>
    public required string Engine { get; init; }

    public required string Scenario { get; init; }

    public required string Design { get; init; }

    public required IReadOnlyList<string> Bugs { get; init; }

    public required TraceConfiguration Configuration { get; init; }

    /// <summary>The scheduling-point site table the trace was recorded against.</summary>
    public required SiteTable SiteTable { get; init; }

    /// <summary>Coyote's strategy (Coyote only).</summary>
    public string? Strategy { get; init; }

    public uint? StrategyBound { get; init; }

    /// <summary>Coyote's seed (Coyote only).</summary>
    public uint? Seed { get; init; }

    /// <summary>The 1-based Coyote iteration that failed (Coyote only).</summary>
    public int? FirstBugIteration { get; init; }

    /// <summary>
    /// Scheduling steps an iteration may take. Coyote: the unfair step bound (the fair one is ten times it; reaching it fails
    /// the iteration, and Coyote's trace does not carry that switch). Ours: steps of one schedule.
    /// </summary>
    public required uint MaxSteps { get; init; }

    public required string Violation { get; init; }

    public required string Invariant { get; init; }

    /// <summary>engine.ReproducibleTrace, verbatim (Coyote only).</summary>
    public string? CoyoteTrace { get; init; }

    public required IReadOnlyList<TraceStep> Steps { get; init; }

    /// <summary>Whether Coyote's partial-order sampling was on (the replay sets it again).</summary>
    public bool PartialOrderSampling { get; init; }

    /// <summary>Our scheduler's preemption bound (dfs only).</summary>
    public int? PreemptionBound { get; init; }

    /// <summary>Whether our scheduler's partial-order reduction was on (dfs only).</summary>
    public bool? Reduction { get; init; }

    /// <summary>The 1-based number of the failing schedule in the exhaustive search (dfs only).</summary>
    public long? ScheduleNumber { get; init; }

    /// <summary>Preemptions in the failing schedule (dfs only).</summary>
    public int? Preemptions { get; init; }

    /// <summary>Our schedule: every step's CPU, and the kind and site of the point it stood at (dfs only).</summary>
    public IReadOnlyList<ScheduleStep>? Schedule { get; init; }

    /// <summary>The elided lock of a lock-elision run ("zone->lock@rmqueue_bulk"), or null.</summary>
    public string? ElidedLock { get; init; }

    /// <summary>
    /// A trace of scenario "repro" (explore --from-repro) carries the reproduction file it came from, so it replays without
    /// it; <see cref="ReproWindow"/> is how many of each CPU's last operations the engine interleaved.
    /// </summary>
    public Repro.ReproFile? Repro { get; init; }

    public int? ReproWindow { get; init; }

    /// <summary>Script operations a shrunk trace leaves out, by CPU and index (<see cref="ScriptOp"/>); null for none.</summary>
    public IReadOnlyList<ScriptOp>? SkippedOperations { get; init; }

    /// <summary>How many of <see cref="Steps"/> the setup took (run alone, before the scripts); null in traces written before.</summary>
    public int? SetupSteps { get; init; }

    /// <summary>The lock nestings earlier iterations had shown lockdep: the replay starts its lock-order graph from them.</summary>
    public IReadOnlyList<LockOrderEdge> LockOrderBefore { get; init; } = [];

    public void Save(string path)
    {
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (dir != null)
        {
            Directory.CreateDirectory(dir);
        }

        // Written beside the target, then moved over it: a reader never sees a half-written trace, and two explorations that
        // name the same trace (the name is the scenario, design, bugs, strategy, seed and iteration: the same schedule, the
        // same file) replace it whole. (Two test classes exploring the same seed at once read an empty file before.)
        var temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this, JsonOptions));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Reads and checks a trace file. Anything wrong with it is a <see cref="TraceFormatException"/> naming the file.</summary>
    public static TraceFile Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new TraceFormatException(path, $"cannot be read: {e.Message}", e);
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new TraceFormatException(path, $"is not valid JSON (truncated or damaged?): {e.Message}", e);
        }

        using (doc)
        {
            try
            {
                Check(path, doc.RootElement);
            }
            catch (InvalidOperationException e)
            {
                // System.Text.Json refuses a name or string holding an unpaired UTF-16 surrogate (\ud800) only when it
                // compares or reads it: damage, not a bug of the reader.
                throw new TraceFormatException(path, $"has a name or string that is not valid text: {e.Message}", e);
            }
        }

        try
        {
            return JsonSerializer.Deserialize<TraceFile>(text, JsonOptions)
                   ?? throw new TraceFormatException(path, "holds JSON null");
        }
        catch (JsonException e)
        {
            throw new TraceFormatException(path, $"has a field of the wrong type: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            throw new TraceFormatException(path, $"has a string that is not valid text: {e.Message}", e);
        }
    }

    /// <summary>The fields a trace must have, in the order a reader meets them, with their JSON kinds.</summary>
    private static readonly (string Name, JsonValueKind Kind)[] RequiredFields =
    [
        ("engine", JsonValueKind.String), ("scenario", JsonValueKind.String), ("design", JsonValueKind.String), ("bugs", JsonValueKind.Array),
        ("configuration", JsonValueKind.Object), ("siteTable", JsonValueKind.Object), ("maxSteps", JsonValueKind.Number),
        ("violation", JsonValueKind.String), ("invariant", JsonValueKind.String), ("steps", JsonValueKind.Array),
    ];

    private static readonly (string Name, JsonValueKind Kind)[] RequiredCoyoteFields =
    [
        ("strategy", JsonValueKind.String), ("seed", JsonValueKind.Number), ("firstBugIteration", JsonValueKind.Number),
        ("coyoteTrace", JsonValueKind.String),
    ];

    private static readonly (string Name, JsonValueKind Kind)[] RequiredDfsFields =
        [("preemptionBound", JsonValueKind.Number), ("scheduleNumber", JsonValueKind.Number), ("schedule", JsonValueKind.Array)];

    private static readonly (string Name, JsonValueKind Kind)[] RequiredSiteTableFields =
        [("fingerprint", JsonValueKind.String), ("sites", JsonValueKind.Number)];

    private static readonly (string Name, JsonValueKind Kind)[] RequiredStepFields =
    [
        ("step", JsonValueKind.Number), ("cpu", JsonValueKind.Number), ("operation", JsonValueKind.String), ("event", JsonValueKind.String),
        ("site", JsonValueKind.String),
    ];

    private static readonly (string Name, JsonValueKind Kind)[] RequiredScheduleStepFields =
        [("cpu", JsonValueKind.Number), ("kind", JsonValueKind.String), ("site", JsonValueKind.String)];

    private static readonly (string Name, JsonValueKind Kind)[] RequiredConfigurationFields =
        [("cpus", JsonValueKind.Number), ("zone", JsonValueKind.String), ("highatomic", JsonValueKind.String)];

    /// <summary>The checks that name what is wrong before deserializing: version, required fields, Coyote's schedule.</summary>
    private static void Check(string path, JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new TraceFormatException(path, $"expected a JSON object, found {root.ValueKind}");
        }

        if (!root.TryGetProperty("formatVersion", out var version) || version.ValueKind != JsonValueKind.Number)
        {
            throw new TraceFormatException(path, "has no formatVersion: not a PcpTestbed Coyote trace");
        }

        if (!version.TryGetInt32(out var v) || v != CurrentFormatVersion)
        {
            var why = v switch
            {
                1 => " (version 1 was written before scheduling points named what they access and lockdep kept lock order; explore again to write a new trace)",
                2 => " (version 2 was written before traces named their engine and the site table they were recorded against, and before a trylock failed while " +
                     "a CPU waits in spin_lock(), which changes the schedules; explore again to write a new trace)",
                _ => "",
            };
            throw new TraceFormatException(path, $"has formatVersion {version.GetRawText()}; this build reads version {CurrentFormatVersion} only{why}");
        }

        foreach (var (name, kind) in RequiredFields)
        {
            Require(path, root, name, kind);
        }

        var engine = root.GetProperty("engine").GetString();
        if (engine is not (CoyoteEngine or DfsEngine))
        {
            throw new TraceFormatException(path, $"names the unknown engine '{engine}'; expected {CoyoteEngine} or {DfsEngine}");
        }

        foreach (var (name, kind) in engine == CoyoteEngine ? RequiredCoyoteFields : RequiredDfsFields)
        {
            Require(path, root, name, kind, "", $" (a {engine} trace)");
        }

        // A replay compares its steps with these, point by point.
        var stepIndex = 0;
        foreach (var step in root.GetProperty("steps").EnumerateArray())
        {
            stepIndex++;
            if (step.ValueKind != JsonValueKind.Object)
            {
                throw new TraceFormatException(path, $"step {stepIndex} should be an object");
            }

            foreach (var (name, kind) in RequiredStepFields)
            {
                Require(path, step, name, kind, $"steps[{stepIndex}].");
            }
        }

        var siteTable = root.GetProperty("siteTable");
        foreach (var (name, kind) in RequiredSiteTableFields)
        {
            Require(path, siteTable, name, kind, "siteTable.");
        }

        var config = root.GetProperty("configuration");
        foreach (var (name, kind) in RequiredConfigurationFields)
        {
            Require(path, config, name, kind, "configuration.");
        }

        if (config.TryGetProperty("parameters", out var parameters) &&
            (parameters.ValueKind != JsonValueKind.Object || parameters.EnumerateObject().Any(p => p.Value.ValueKind != JsonValueKind.String)))
        {
            throw new TraceFormatException(path, "field 'configuration.parameters' should be an object of strings");
        }

        if (root.TryGetProperty("skippedOperations", out var skipped) &&
            (skipped.ValueKind != JsonValueKind.Array || skipped.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.Object ||
                !e.TryGetProperty("cpu", out var c) || !c.TryGetInt32(out var ci) || ci < 0 || !e.TryGetProperty("index", out var x) || !x.TryGetInt32(out var xi) || xi < 0)))
        {
            throw new TraceFormatException(path, "field 'skippedOperations' should be an array of {cpu, index} objects with numbers from 0");
        }

        if (root.TryGetProperty("lockOrderBefore", out var order) &&
            (order.ValueKind != JsonValueKind.Array || order.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.Object)))
        {
            throw new TraceFormatException(path, "field 'lockOrderBefore' should be an array of objects");
        }

        if (engine == CoyoteEngine)
        {
            CheckCoyoteTrace(path, root.GetProperty("coyoteTrace").GetString()!);
            return;
        }

        var schedule = root.GetProperty("schedule");
        if (schedule.GetArrayLength() == 0)
        {
            throw new TraceFormatException(path, "has an empty schedule: nothing to replay");
        }

        var index = 0;
        foreach (var step in schedule.EnumerateArray())
        {
            index++;
            if (step.ValueKind != JsonValueKind.Object)
            {
                throw new TraceFormatException(path, $"schedule step {index} should be an object");
            }

            foreach (var (name, kind) in RequiredScheduleStepFields)
            {
                Require(path, step, name, kind, $"schedule[{index}].");
            }

            if (!step.GetProperty("cpu").TryGetInt32(out var cpu) || cpu < 0)
            {
                throw new TraceFormatException(path, $"schedule step {index} has cpu {step.GetProperty("cpu").GetRawText()}; expected a CPU number from 0");
            }
        }
    }

    private static void Require(string path, JsonElement obj, string name, JsonValueKind kind, string prefix = "", string context = "")
    {
        if (!obj.TryGetProperty(name, out var value))
        {
            throw new TraceFormatException(path, $"is missing the field '{prefix}{name}'{context}");
        }

        if (value.ValueKind != kind)
        {
            throw new TraceFormatException(path, $"field '{prefix}{name}' should be a {kind.ToString().ToLowerInvariant()}, found {value.ValueKind.ToString().ToLowerInvariant()}");
        }
    }

    /// <summary>Coyote's own format: an object with Settings and a non-empty Steps array of strings.</summary>
    private static void CheckCoyoteTrace(string path, string trace)
    {
        try
        {
            using var doc = JsonDocument.Parse(trace);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object ||
                !root.TryGetProperty("Settings", out var settings) || settings.ValueKind != JsonValueKind.Object)
            {
                throw new TraceFormatException(path, "coyoteTrace has no Settings object: not a Coyote reproducible trace");
            }

            if (!root.TryGetProperty("Steps", out var steps) || steps.ValueKind != JsonValueKind.Array || steps.GetArrayLength() == 0)
            {
                throw new TraceFormatException(path, "coyoteTrace has no scheduling steps: nothing to replay");
            }

            if (steps.EnumerateArray().Any(s => s.ValueKind != JsonValueKind.String))
            {
                throw new TraceFormatException(path, "coyoteTrace has a step that is not a string");
            }
        }
        catch (JsonException e)
        {
            throw new TraceFormatException(path, $"coyoteTrace is not valid JSON: {e.Message}", e);
        }
    }
}
