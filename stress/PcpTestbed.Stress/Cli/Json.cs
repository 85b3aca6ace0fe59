using System.Text.Json;
using System.Text.Json.Serialization;

namespace PcpTestbed.Stress.Cli;

/// <summary>The runner's JSON conventions: camelCase, indented, enums as strings, no nulls.</summary>
public static class Json
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },

        // "zone->lock" and "§7.4" as they read, not "zone-\u003Elock": the files are read by people and scripts, never put in HTML.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes <paramref name="value"/> to <paramref name="path"/>; a path that cannot be written is a usage error.</summary>
    public static void Write<T>(string path, T value)
    {
        try
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(dir))
            {
                Directory.CreateDirectory(dir);
            }

            File.WriteAllText(path, JsonSerializer.Serialize(value, Options) + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new UsageException($"--json {path}: cannot write the file: {e.Message}");
        }
    }
}
