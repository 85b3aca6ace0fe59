using System.Text.Json.Nodes;
using PcpTestbed.Coyote;
using PcpTestbed.Designs;

namespace PcpTestbed.Coyote.Tests;

/// <summary>A damaged or foreign trace file is a TraceFormatException naming the file and the problem, never anything else.</summary>
public sealed class BadTraceFileTests : ControlledTest
{
    private static readonly Lazy<string> ValidTrace = new(() =>
    {
        var r = Explorer.Explore(new ExploreOptions
        {
            Scenario = Catalog.CanaryScenario,
            Design = DesignKind.Mainline,
            Iterations = 100,
            Seed = 5,
            TraceDirectory = TraceDirectory,
        });
        return File.ReadAllText(r.TracePath!);
    });

    [Fact]
    public void The_unmodified_trace_replays()
    {
        var path = Write(ValidTrace.Value);

        Assert.True(Replayer.Replay(path).Reproduced);
    }

    [Fact]
    public void A_missing_file_is_refused() =>
        AssertRefused(Path.Combine(TraceDirectory, "no-such.trace.json"), "cannot be read");

    [Fact]
    public void A_truncated_file_is_refused() =>
        AssertRefused(Write(ValidTrace.Value[..(ValidTrace.Value.Length / 2)]), "not valid JSON");

    [Fact]
    public void Bad_json_is_refused() => AssertRefused(Write("{ this is not json"), "not valid JSON");

    [Fact]
    public void A_json_array_is_refused() => AssertRefused(Write("[1, 2]"), "expected a JSON object");

    [Theory]
    [InlineData("scenario")]
    [InlineData("design")]
    [InlineData("bugs")]
    [InlineData("configuration")]
    [InlineData("coyoteTrace")]
    [InlineData("engine")]
    [InlineData("violation")]
    [InlineData("steps")]
    public void A_missing_field_is_refused(string field) =>
        AssertRefused(Mutate(o => o.Remove(field)), $"missing the field '{field}'");

    [Fact]
    public void A_field_of_the_wrong_type_is_refused() =>
        AssertRefused(Mutate(o => o["seed"] = "one"), "field 'seed' should be a number");

    [Fact]
    public void Another_format_version_is_refused() =>
        AssertRefused(Mutate(o => o["formatVersion"] = 4), "formatVersion 4; this build reads version 3 only");

    [Fact]
    public void A_version_1_trace_is_refused_with_the_reason() =>
        AssertRefused(Mutate(o => o["formatVersion"] = 1), "formatVersion 1; this build reads version 3 only (version 1 was written before");

    [Fact]
    public void A_version_2_trace_is_refused_with_the_reason() =>
        AssertRefused(Mutate(o => o["formatVersion"] = 2), "formatVersion 2; this build reads version 3 only (version 2 was written before traces named their engine");

    [Fact]
    public void An_unknown_engine_is_refused() =>
        AssertRefused(Mutate(o => o["engine"] = "chess"), "unknown engine 'chess'; expected coyote or dfs");

    [Fact]
    public void A_trace_without_its_site_table_is_refused() =>
        AssertRefused(Mutate(o => o.Remove("siteTable")), "missing the field 'siteTable'");

    [Fact]
    public void An_unknown_elided_lock_is_refused() =>
        AssertRefused(Mutate(o => o["elidedLock"] = "zone->lock@no_such_site"), "unknown elided lock 'zone->lock@no_such_site'");

    [Fact]
    public void A_lock_order_entry_naming_an_unknown_site_is_refused() =>
        AssertRefused(Mutate(o => o["lockOrderBefore"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject
        {
            ["outer"] = "pcp->lock", ["outerSite"] = "nowhere", ["inner"] = "zone->lock", ["innerSite"] = "rmqueue_bulk",
            ["cpu"] = 0, ["iteration"] = 1, ["count"] = 1,
        })), "lockOrderBefore entry naming an unknown lock class or site");

    [Fact]
    public void A_lock_order_that_is_not_a_list_of_nestings_is_refused() =>
        AssertRefused(Mutate(o => o["lockOrderBefore"] = new JsonArray((JsonNode?)null)), "field 'lockOrderBefore' should be an array of objects");

    [Fact]
    public void Parameters_that_are_not_an_object_of_strings_are_refused() =>
        AssertRefused(Mutate(o => o["configuration"]!["parameters"] = null), "field 'configuration.parameters' should be an object of strings");

    [Fact]
    public void A_file_without_a_format_version_is_refused() =>
        AssertRefused(Mutate(o => o.Remove("formatVersion")), "no formatVersion");

    [Fact]
    public void An_unknown_scenario_is_refused() =>
        AssertRefused(Mutate(o => o["scenario"] = "no-such-scenario"), "unknown scenario 'no-such-scenario'");

    [Fact]
    public void An_unknown_design_is_refused() =>
        AssertRefused(Mutate(o => o["design"] = "slab"), "unknown design 'slab'");

    [Fact]
    public void An_unknown_bug_is_refused() =>
        AssertRefused(Mutate(o => o["bugs"] = new JsonArray("no-such-bug")), "unknown injected bug 'no-such-bug'");

    [Fact]
    public void A_changed_machine_is_refused() =>
        AssertRefused(Mutate(o => o["configuration"]!["cpus"] = 4), "now runs on");

    [Fact]
    public void A_coyote_trace_that_is_not_json_is_refused() =>
        AssertRefused(Mutate(o => o["coyoteTrace"] = "{ not json"), "coyoteTrace is not valid JSON");

    [Fact]
    public void A_coyote_trace_without_steps_is_refused() =>
        AssertRefused(MutateCoyote(t => t["Steps"] = new JsonArray()), "no scheduling steps");

    [Fact]
    public void A_coyote_trace_without_settings_is_refused() =>
        AssertRefused(MutateCoyote(t => t.Remove("Settings")), "no Settings");

    [Fact]
    public void A_coyote_trace_naming_an_unknown_strategy_is_refused() =>
        AssertRefused(MutateCoyote(t => t["Settings"]!["Strategy"] = "no-such-strategy"), "Coyote");

    [Fact]
    public void A_coyote_trace_with_garbled_steps_is_refused() =>
        AssertRefused(MutateCoyote(t => t["Steps"] = new JsonArray("garbage", "more garbage")), "Coyote");

    [Fact]
    public void An_unpaired_surrogate_in_a_field_name_is_refused() =>
        AssertRefused(Write(ValidTrace.Value.Replace("\"violation\"", "\"\\ud800\"", StringComparison.Ordinal)), "not valid text");

    private static void AssertRefused(string path, string problem) => TraceEdits.AssertRefused(path, problem);

    private static string Mutate(Action<JsonObject> change) => TraceEdits.Edit(TraceDirectory, ValidTrace.Value, change);

    private static string MutateCoyote(Action<JsonObject> change) => Mutate(o =>
    {
        var t = JsonNode.Parse((string)o["coyoteTrace"]!)!.AsObject();
        change(t);
        o["coyoteTrace"] = t.ToJsonString();
    });

    private static string Write(string text) => TraceEdits.Write(TraceDirectory, text);
}
