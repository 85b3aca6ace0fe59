using PcpTestbed.Execution.Virtual;
using PcpTestbed.Stress.Tests.Support;

namespace PcpTestbed.Stress.Tests;

/// <summary>`calibrate` writes a cost-model file the engine's loader reads back; bad input ends in exit 2 and one line.</summary>
public class CalibrateVerbTests
{
    [Fact]
    public void Calibrate_writes_a_cost_model_the_loader_reads_and_reports_what_it_measured()
    {
        var model = TempDirectory.Process.NewFile(".json");

        var (outcome, json) = Shell.RunJson(0, "calibrate", "--rounds", "2", "--out", model);

        var loaded = CostModelFile.Load(model);
        Assert.StartsWith("calibrate ", loaded.Source);
        Assert.Equal(loaded.Source, json.GetProperty("costModel").GetProperty("source").GetString());
        Assert.Equal(2, json.GetProperty("rounds").GetInt32());
        var measured = json.GetProperty("measurements").EnumerateArray().Select(m => m.GetProperty("name").GetString()).ToList();
        Assert.Contains("lock+unlock", measured);
        Assert.Contains("alloc+free pair", measured);

        // What it measured is what it wrote: the lock's cost is the pair less the release store.
        var ns = json.GetProperty("measurements").EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!, m => m.GetProperty("ns").GetDouble());
        Assert.Equal(Math.Round(Math.Max(0, ns["lock+unlock"] - ns["release store"]), 2), loaded[CostConstant.LockNs], 6);
        Assert.Contains($"cost model: {model}", outcome.Out);
    }

    [Theory]
    [InlineData("--rounds", "0", "--rounds '0': expected a whole number from 1 to 1000")]
    [InlineData("--rounds", "lots", "--rounds 'lots'")]
    [InlineData("--out", "/proc/pcptestbed-cannot-write-here.json", "--out")]
    public void Bad_input_to_calibrate_exits_2_with_one_line(string option, string value, string expected)
    {
        var outcome = Shell.Run("calibrate", option, value);

        Assert.True(outcome.Exit == 2, outcome.ToString());
        var line = Assert.Single(outcome.ErrLines);
        Assert.StartsWith("error: ", line);
        Assert.Contains(expected, line);
    }

    [Fact]
    public void Calibrate_refuses_a_folder_as_its_output_before_measuring_anything()
    {
        var outcome = Shell.Run("calibrate", "--out", TempDirectory.Process.Path);

        Assert.True(outcome.Exit == 2, outcome.ToString());
        Assert.Contains("is a folder", Assert.Single(outcome.ErrLines));
        Assert.Equal("", outcome.Out);
    }
}
