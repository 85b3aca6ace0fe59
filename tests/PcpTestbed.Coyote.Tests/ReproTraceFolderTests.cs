using PcpTestbed.Coyote.Repro;

namespace PcpTestbed.Coyote.Tests;

/// <summary>
/// explore --from-repro keeps the traces of its windows and probes in a folder of its own: the explorer names a trace by
/// scenario, design, bugs, strategy, seed and iteration, so a second search of the same row under the same seed (another
/// process, the same trace folder) writes the same names, and the first one's move took the other's trace.
/// </summary>
public class ReproTraceFolderTests
{
    [Fact]
    public void A_search_leaves_a_trace_another_search_wrote_under_the_same_name_alone()
    {
        const uint seed = 3;
        var file = ReproCausalityTests.RoutedFree(
        [
            [new ReproOp { Seq = 0, Op = ReproOp.Alloc, Order = 0, Gfp = 0xcc0, Page = 0 }],
            [new ReproOp { Seq = 1, Op = ReproOp.Free, Order = 0, Page = 0 }],
        ]);
        using var temp = new TempDirectory();

        // The name the explorer gives the first iteration's trace of this file's windows (and of its serial probe).
        var foreign = Path.Combine(temp.Path, $"{ReproScenario.ScenarioName}.{file.Design}.{Explorer.BugsForFileName(file.Bugs, null)}.portfolio.seed{seed}.it1.trace.json");
        File.WriteAllText(foreign, "another search's trace");

        var result = ReproExplorer.Explore(new ReproExploreOptions
        {
            Path = temp.Save(file), IterationsPerWindow = 1, TimeBudget = TimeSpan.FromSeconds(60), Seed = seed, TraceDirectory = temp.Path,
        });

        Assert.True(result.Found);
        Assert.Equal("another search's trace", File.ReadAllText(foreign));
        Assert.Equal(temp.Path, Path.GetDirectoryName(result.TracePath));
        Assert.True(File.Exists(result.TracePath));
    }
}
