using System.Text.Json.Nodes;
using PcpTestbed.Coyote;
using PcpTestbed.Coyote.Dfs;
using PcpTestbed.Designs;

namespace PcpTestbed.Coyote.Tests;

/// <summary>A damaged trace of our scheduler is a TraceFormatException naming the file and the problem, as a Coyote trace is.</summary>
public sealed class BadDfsTraceFileTests : ControlledTest
{
    private static readonly Lazy<string> ValidTrace = new(() =>
    {
        var r = ExhaustiveExplorer.Explore(new ExhaustiveOptions { Scenario = Catalog.CanaryScenario, Design = DesignKind.Mainline, TraceDirectory = TraceDirectory });
        return File.ReadAllText(r.TracePath!);
    });

    [Fact]
    public void The_unmodified_trace_replays() => Assert.True(Replayer.Replay(Write(ValidTrace.Value)).Reproduced);

    [Theory]
    [InlineData("schedule")]
    [InlineData("preemptionBound")]
    [InlineData("scheduleNumber")]
    public void A_missing_field_of_our_schedule_is_refused(string field) =>
        AssertRefused(Mutate(o => o.Remove(field)), $"missing the field '{field}' (a dfs trace)");

    [Fact]
    public void A_trace_of_our_scheduler_needs_no_coyote_fields() =>
        Assert.DoesNotContain("coyoteTrace", ValidTrace.Value, StringComparison.Ordinal);

    [Fact]
    public void An_empty_schedule_is_refused() => AssertRefused(Mutate(o => o["schedule"] = new JsonArray()), "empty schedule");

    [Fact]
    public void A_schedule_step_that_is_not_an_object_is_refused() =>
        AssertRefused(Mutate(o => o["schedule"]!.AsArray().Add(3)), "should be an object");

    [Fact]
    public void A_schedule_step_without_its_kind_is_refused() =>
        AssertRefused(Mutate(o => o["schedule"]![0]!.AsObject().Remove("kind")), "missing the field 'schedule[1].kind'");

    [Fact]
    public void A_negative_cpu_is_refused() =>
        AssertRefused(Mutate(o => o["schedule"]![0]!["cpu"] = -1), "schedule step 1 has cpu -1");

    [Fact]
    public void A_cpu_the_machine_does_not_have_is_refused() =>
        AssertRefused(Mutate(o => o["schedule"]![0]!["cpu"] = 9), "a CPU the machine does not have (2 CPUs)");

    private static void AssertRefused(string path, string problem) => TraceEdits.AssertRefused(path, problem);

    private static string Mutate(Action<JsonObject> change) => TraceEdits.Edit(TraceDirectory, ValidTrace.Value, change);

    private static string Write(string text) => TraceEdits.Write(TraceDirectory, text);
}
