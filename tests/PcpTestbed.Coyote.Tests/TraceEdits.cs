using System.Text.Json.Nodes;
using PcpTestbed.Coyote;

namespace PcpTestbed.Coyote.Tests;

/// <summary>Trace files written, edited and refused, for the tests of damaged and outdated traces.</summary>
internal static class TraceEdits
{
    /// <summary>Writes <paramref name="text"/> to a new trace file under <paramref name="directory"/>.</summary>
    public static string Write(string directory, string text)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"edited-{Guid.NewGuid():N}.trace.json");
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>A new trace file: <paramref name="text"/> with <paramref name="change"/> made to its JSON.</summary>
    public static string Edit(string directory, string text, Action<JsonObject> change)
    {
        var o = JsonNode.Parse(text)!.AsObject();
        change(o);
        return Write(directory, o.ToJsonString());
    }

    /// <summary>Replaying <paramref name="path"/> is refused naming the file, with <paramref name="problem"/> in the reason.</summary>
    public static void AssertRefused(string path, string problem)
    {
        var e = Assert.Throws<TraceFormatException>(() => Replayer.Replay(path));

        Assert.Contains(path, e.Message);
        Assert.Contains(problem, e.Problem);
    }
}
