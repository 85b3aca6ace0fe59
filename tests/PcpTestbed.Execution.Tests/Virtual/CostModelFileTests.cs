using System.Text.Json.Nodes;
using PcpTestbed.Execution.Virtual;

namespace PcpTestbed.Execution.Tests.Virtual;

/// <summary>Cost-model files: the defaults round-trip, and every bad file is refused in one line naming the file and the field.</summary>
public sealed class CostModelFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("costmodel").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static JsonObject DefaultJson() => JsonNode.Parse(CostModelFile.ToJson(CostModel.Default))!.AsObject();

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void The_defaults_written_and_read_back_are_the_same_model_with_their_sources()
    {
        var path = Write("default.json", CostModelFile.ToJson(CostModel.Default));

        var loaded = CostModelFile.Load(path);

        Assert.True(loaded.SameValues(CostModel.Default));
        Assert.Equal(CostModel.Default.Source, loaded.Source);
        Assert.All(CostConstants.All, c => Assert.Equal(CostModel.Default.SourceOf(c), loaded.SourceOf(c)));
        Assert.All(CostConstants.All, c => Assert.NotEqual("", CostModel.Default.SourceOf(c)));
    }

    [Fact]
    public void Every_constant_is_written_with_its_unit_in_its_name()
    {
        var json = DefaultJson();

        foreach (var c in CostConstants.All)
        {
            var info = CostConstants.Info(c);
            Assert.NotNull(json[info.Group]![info.Name]);
            Assert.True(info.Name.EndsWith(info.Whole ? "Lines" : "Ns", StringComparison.Ordinal), info.Name);
        }
    }

    public static TheoryData<string, string> Damages => new()
    {
        { "seam.lockNs missing", "seam.lockNs is missing" },
        { "seam.lockNs = \"fast\"", "seam.lockNs: expected a number of ns, got \"fast\"" },
        { "seam.lockNs = -1", "seam.lockNs: expected a number of ns from 0 to 1000000, got -1" },
        { "seam.lockNs = 1e9", "seam.lockNs: expected a number of ns from 0 to 1000000" },
        { "cacheLines.pcpLockLines = 1.5", "cacheLines.pcpLockLines: expected a whole number of cache lines" },
        { "work.listOpNs = 3", "work.listOpNs: unknown field; expected one of zoneListOpNs" },
        { "paths missing", "paths is missing" },
        { "paths = 7", "paths: expected an object, got a number" },
        { "formatVersion = 2", "formatVersion: expected 1, got 2" },
        { "formatVersion missing", "formatVersion is missing" },
        { "source = 3", "source: expected a string, got a number" },
        { "extra = 1", "extra: unknown field" },
        { "sources.seam.nope = \"x\"", "sources.seam.nope: no such constant" },
    };

    [Theory]
    [MemberData(nameof(Damages))]
    public void A_damaged_file_is_refused_naming_the_file_and_the_field(string damage, string expected)
    {
        var json = DefaultJson();
        Apply(json, damage);
        var path = Write("bad.json", json.ToJsonString());

        var e = Assert.Throws<CostModelException>(() => CostModelFile.Load(path));

        Assert.StartsWith($"cost model {path}: ", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("", "not valid JSON")]
    [InlineData("{\"formatVersion\": 1,", "not valid JSON at line 1")]
    [InlineData("[1, 2]", "expected a JSON object, got an array")]
    [InlineData("{\"formatVersion\": 1, \"formatVersion\": 1}", "formatVersion: given twice")]
    public void Text_that_is_not_a_cost_model_is_refused(string text, string expected)
    {
        var path = Write("junk.json", text);

        var e = Assert.Throws<CostModelException>(() => CostModelFile.Load(path));

        Assert.Contains(expected, e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void A_missing_file_is_refused_naming_it()
    {
        var path = Path.Combine(_dir, "nowhere.json");

        var e = Assert.Throws<CostModelException>(() => CostModelFile.Load(path));

        Assert.StartsWith($"cost model {path}: cannot read the file", e.Message);
    }

    /// <summary>"group.name missing", "group.name = VALUE", "group missing", "group = VALUE" or "sources.group.name = VALUE".</summary>
    private static void Apply(JsonObject json, string damage)
    {
        var parts = damage.Split(' ', 3);
        var path = parts[0];
        var target = json;
        var key = path;
        if (path.StartsWith("sources.", StringComparison.Ordinal))
        {
            target = json["sources"]!.AsObject();
            key = path["sources.".Length..];
        }
        else if (path.Contains('.', StringComparison.Ordinal))
        {
            var dot = path.IndexOf('.', StringComparison.Ordinal);
            target = json[path[..dot]]!.AsObject();
            key = path[(dot + 1)..];
        }

        if (parts[1] == "missing")
        {
            Assert.True(target.Remove(key), $"no {path} to remove");
        }
        else
        {
            target[key] = JsonNode.Parse(parts[2]);
        }
    }
}
