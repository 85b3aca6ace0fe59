using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote;

/// <summary>
/// A bug's trace file (JSON): what ran (scenario, design, bugs, machine, strategy, seed), where the bug was
/// found, the violation, Coyote's reproducible trace stored verbatim, the lock order lockdep had seen before the
/// failing iteration, and that iteration's steps for a human to read. <see cref="Replayer"/> re-runs it.
/// </summary>
public sealed record TraceFile
{
    /// <summary>
    /// Bumped whenever a field changes meaning; other versions are refused, not guessed at. Version 2: scheduling points
    /// name their location and access site (step events "read pcp#0.count", sites "zone_watermark_fast:vm_stat"),
    /// lockdep's lock order carries across iterations (<see cref="LockOrderBefore"/>), lock-elision runs.
    /// </summary>
    public const int CurrentFormatVersion = 2;

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,

        // The file is for people too: keep §, quotes and arrows as they are (it is never embedded in HTML).
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public int FormatVersion { get; init; } = CurrentFormatVersion;

    public required string Scenario { get; init; }

    public required string Design { get; init; }

    public required IReadOnlyList<string> Bugs { get; init; }

    public required TraceConfiguration Configuration { get; init; }

    public required string Strategy { get; init; }

    public uint? StrategyBound { get; init; }

    public required uint Seed { get; init; }

    public required int FirstBugIteration { get; init; }

    /// <summary>The unfair step bound; the fair one is ten times it. Reaching it fails the iteration, and Coyote's trace does not carry that switch.</summary>
    public required uint MaxSteps { get; init; }

    public required string Violation { get; init; }

    public required string Invariant { get; init; }

    /// <summary>engine.ReproducibleTrace, verbatim.</summary>
    public required string CoyoteTrace { get; init; }

    public required IReadOnlyList<TraceStep> Steps { get; init; }

    /// <summary>Whether Coyote's partial-order sampling was on (the replay sets it again).</summary>
    public bool PartialOrderSampling { get; init; }

    /// <summary>The elided lock of a lock-elision run ("zone->lock@rmqueue_bulk"), or null.</summary>
    public string? ElidedLock { get; init; }

    /// <summary>The lock nestings earlier iterations had shown lockdep: the replay starts its lock-order graph from them.</summary>
    public IReadOnlyList<LockOrderEdge> LockOrderBefore { get; init; } = [];

    public void Save(string path)
    {
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (dir != null)
        {
            Directory.CreateDirectory(dir);
        }

        File.WriteAllText(path, JsonSerializer.Serialize(this, JsonOptions));
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
        ("scenario", JsonValueKind.String), ("design", JsonValueKind.String), ("bugs", JsonValueKind.Array),
        ("configuration", JsonValueKind.Object), ("strategy", JsonValueKind.String), ("seed", JsonValueKind.Number),
        ("firstBugIteration", JsonValueKind.Number), ("maxSteps", JsonValueKind.Number), ("violation", JsonValueKind.String),
        ("invariant", JsonValueKind.String), ("coyoteTrace", JsonValueKind.String), ("steps", JsonValueKind.Array),
    ];

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
            var why = v == 1
                ? " (version 1 was written before scheduling points named what they access and lockdep kept lock order; explore again to write a new trace)"
                : "";
            throw new TraceFormatException(path, $"has formatVersion {version.GetRawText()}; this build reads version {CurrentFormatVersion} only{why}");
        }

        foreach (var (name, kind) in RequiredFields)
        {
            Require(path, root, name, kind);
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

        if (root.TryGetProperty("lockOrderBefore", out var order) &&
            (order.ValueKind != JsonValueKind.Array || order.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.Object)))
        {
            throw new TraceFormatException(path, "field 'lockOrderBefore' should be an array of objects");
        }

        CheckCoyoteTrace(path, root.GetProperty("coyoteTrace").GetString()!);
    }

    private static void Require(string path, JsonElement obj, string name, JsonValueKind kind, string prefix = "")
    {
        if (!obj.TryGetProperty(name, out var value))
        {
            throw new TraceFormatException(path, $"is missing the field '{prefix}{name}'");
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
