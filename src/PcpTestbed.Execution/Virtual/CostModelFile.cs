using System.Text;
using System.Text.Json;

namespace PcpTestbed.Execution.Virtual;

/// <summary>
/// Reads and writes cost-model files: JSON, <c>formatVersion</c> 1, every constant named with its unit.
/// </summary>
/// <remarks>
/// <code>
/// {
///   "formatVersion": 1,
///   "source": "calibrate 2026-12-07 on AMD EPYC (2 host CPUs)",
///   "seam": { "lockNs": 2.46, "lockHandoverNs": 2.41, "unlockNs": 0.31, "trylockNs": 2.16, "trylockFailNs": 0.31, "atomicNs": 2.41 },
///   "work": { "zoneListOpNs": 5.9, "pcpListOpNs": 1.14, "chunkMoveNs": 5.8, "mergeStepNs": 3.29, "pageScanNs": 2.5 },
///   "paths": { "allocPathNs": 14, "freePathNs": 14 },
///   "cacheLines": { "transferNs": 60.08, "zoneLockLines": 3, "pcpLockLines": 2, "remotePcpListOpLines": 1 },
///   "sources": { "seam.lockNs": "how it was measured", ... }
/// }
/// </code>
/// Every group and every constant is required and nothing else is allowed, so a typo is an error rather than a
/// silent default; <c>sources</c> is optional free text per constant. Values are numbers from 0 to 1e6 ns, or whole
/// numbers of cache lines from 0 to 1024. Every error is one line: <c>cost model FILE: FIELD: what was expected</c>.
/// </remarks>
public static class CostModelFile
{
    private static readonly string[] TopLevel = ["formatVersion", "source", .. CostConstants.Groups, "sources"];

    /// <summary>Reads a cost model.</summary>
    /// <exception cref="CostModelException">The file cannot be read or is not a valid cost model; the message names the file and the field.</exception>
    public static CostModel Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException or System.Security.SecurityException)
        {
            throw new CostModelException($"cost model {path}: cannot read the file: {e.Message}", e);
        }

        return Parse(text, path);
    }

    /// <summary>Parses a cost model from <paramref name="json"/>; <paramref name="name"/> names it in errors.</summary>
    /// <exception cref="CostModelException">Not a valid cost model; the message names <paramref name="name"/> and the field.</exception>
    public static CostModel Parse(string json, string name)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false });
        }
        catch (JsonException e)
        {
            throw Error(name, $"not valid JSON at line {(e.LineNumber ?? 0) + 1}: {FirstLine(e.Message)}");
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Error(name, $"expected a JSON object, got {Kind(root)}");
            }

            var fields = Fields(root, name, "", TopLevel);
            CheckVersion(fields, name);
            var source = fields.TryGetValue("source", out var s) && s.ValueKind == JsonValueKind.String
                ? s.GetString()!
                : throw Error(name, fields.ContainsKey("source") ? $"source: expected a string, got {Kind(s)}" : "source is missing");

            var values = new double[CostConstants.Count];
            var seen = new bool[CostConstants.Count];
            foreach (var group in CostConstants.Groups)
            {
                if (!fields.TryGetValue(group, out var g))
                {
                    throw Error(name, $"{group} is missing");
                }

                if (g.ValueKind != JsonValueKind.Object)
                {
                    throw Error(name, $"{group}: expected an object, got {Kind(g)}");
                }

                foreach (var (field, value) in Fields(g, name, group + ".", null))
                {
                    if (!CostConstants.TryFind(group, field, out var c))
                    {
                        throw Error(name, $"{group}.{field}: unknown field; expected one of {CostConstants.NamesIn(group)}");
                    }

                    values[(int)c] = Number(value, c, name);
                    seen[(int)c] = true;
                }
            }

            foreach (var c in CostConstants.All)
            {
                if (!seen[(int)c])
                {
                    throw Error(name, $"{CostConstants.Info(c).Path} is missing");
                }
            }

            var sources = fields.TryGetValue("sources", out var src) ? Sources(src, name) : null;
            return new CostModel(source, values, sources);
        }
    }

    /// <summary>The file's text for <paramref name="model"/>: indented JSON, every constant in table order, then the sources.</summary>
    public static string ToJson(CostModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteNumber("formatVersion", CostModel.FormatVersion);
            w.WriteString("source", model.Source);
            foreach (var group in CostConstants.Groups)
            {
                w.WriteStartObject(group);
                foreach (var c in CostConstants.All.Where(c => CostConstants.Info(c).Group == group))
                {
                    w.WriteNumber(CostConstants.Info(c).Name, model[c]);
                }

                w.WriteEndObject();
            }

            w.WriteStartObject("sources");
            foreach (var c in CostConstants.All)
            {
                if (model.SourceOf(c).Length != 0)
                {
                    w.WriteString(CostConstants.Info(c).Path, model.SourceOf(c));
                }
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> (the caller checks the path is writable).</summary>
    public static void Write(string path, CostModel model) => File.WriteAllText(path, ToJson(model));

    private static void CheckVersion(Dictionary<string, JsonElement> fields, string name)
    {
        if (!fields.TryGetValue("formatVersion", out var v))
        {
            throw Error(name, "formatVersion is missing");
        }

        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var version) || version != CostModel.FormatVersion)
        {
            throw Error(name, $"formatVersion: expected {CostModel.FormatVersion}, got {Show(v)}");
        }
    }

    private static double Number(JsonElement value, CostConstant c, string name)
    {
        var info = CostConstants.Info(c);
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var x))
        {
            throw Error(name, $"{info.Path}: expected a number of {info.Unit}, got {Show(value)}");
        }

        var problem = CostModel.CheckValue(c, x);
        return problem is null ? x : throw Error(name, $"{info.Path}: {problem}, got {Show(value)}");
    }

    private static string[] Sources(JsonElement src, string name)
    {
        if (src.ValueKind != JsonValueKind.Object)
        {
            throw Error(name, $"sources: expected an object of strings, got {Kind(src)}");
        }

        var sources = new string[CostConstants.Count];
        foreach (var (key, value) in Fields(src, name, "sources.", null))
        {
            var dot = key.IndexOf('.', StringComparison.Ordinal);
            if (dot < 0 || !CostConstants.TryFind(key[..dot], key[(dot + 1)..], out var c))
            {
                throw Error(name, $"sources.{key}: no such constant; expected group.name, e.g. seam.lockNs");
            }

            sources[(int)c] = value.ValueKind == JsonValueKind.String
                ? value.GetString()!
                : throw Error(name, $"sources.{key}: expected a string, got {Kind(value)}");
        }

        return sources;
    }

    /// <summary>An object's members, rejecting a repeated name and, when <paramref name="allowed"/> is given, any other name.</summary>
    private static Dictionary<string, JsonElement> Fields(JsonElement obj, string name, string prefix, string[]? allowed)
    {
        var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var p in obj.EnumerateObject())
        {
            if (allowed != null && Array.IndexOf(allowed, p.Name) < 0)
            {
                throw Error(name, $"{prefix}{Clip(p.Name)}: unknown field; expected {string.Join(", ", allowed)}");
            }

            if (!fields.TryAdd(p.Name, p.Value))
            {
                throw Error(name, $"{prefix}{Clip(p.Name)}: given twice");
            }
        }

        return fields;
    }

    private static CostModelException Error(string name, string problem) => new($"cost model {name}: {problem}");

    private static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private static string Show(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null => Clip(e.GetRawText()),
        JsonValueKind.String => $"\"{Clip(e.GetString() ?? "")}\"",
        _ => Kind(e),
    };

    /// <summary>At most 40 characters of user text, on one line.</summary>
    private static string Clip(string s)
    {
        var one = new string([.. s.Select(ch => char.IsControl(ch) ? ' ' : ch)]);
        return one.Length <= 40 ? one : string.Concat(one.AsSpan(0, 40), "...");
    }

    private static string FirstLine(string message)
    {
        var nl = message.IndexOfAny(['\r', '\n']);
        return nl < 0 ? message : message[..nl];
    }
}
