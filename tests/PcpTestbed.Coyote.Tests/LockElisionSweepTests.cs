using System.Globalization;
using System.Text;
using PcpTestbed.Coyote;
using PcpTestbed.Designs;
using Xunit.Abstractions;

namespace PcpTestbed.Coyote.Tests;

/// <summary>
/// The lock-elision sweep as a ratchet (issue 14, item 7): every lock acquisition site a design takes, skipped with
/// its release, must be caught by a scenario within the catalogue's budget, except the escapes listed here. A new
/// escape (a scenario narrowed, a point removed) or a newly caught one (a scenario widened, a point added) fails
/// this test until the list is brought up to date. Run it with detailed output for the table.
/// </summary>
public sealed class LockElisionSweepTests(ITestOutputHelper output) : ControlledTest
{
    /// <summary>"design class@site" of every elided acquisition no scenario noticed within 300 iterations (seed 1), sorted.</summary>
    private static readonly string[] KnownEscapes =
    [
        "mainline pcp->lock@free_unref_page",
        "mainline zone->lock@free_one_page:trylock_failed",
        "mainline zone->lock@free_pcppages_bulk",
        "mainline zone->lock@free_pcppages_bulk:drain",
        "mainline zone->lock@highatomic_pageblock",
        "mainline zone->lock@rmqueue_buddy",
        "mainline zone->lock@rmqueue_bulk",
        "pageblock pcp->lock@page_alloc_cpu_dead",
        "pageblock zone->lock@free_one_page:trylock_failed",
        "pageblock zone->lock@free_pcppages_bulk",
        "pageblock zone->lock@free_pcppages_bulk:drain",
        "pageblock zone->lock@highatomic_pageblock",
        "pageblock zone->lock@page_alloc_cpu_dead",
        "pageblock zone->lock@rmqueue_buddy",
        "pageblock zone->lock@rmqueue_bulk",
        "pageblock-cmafix pcp->lock@page_alloc_cpu_dead",
        "pageblock-cmafix zone->lock@free_one_page:trylock_failed",
        "pageblock-cmafix zone->lock@free_pcppages_bulk",
        "pageblock-cmafix zone->lock@free_pcppages_bulk:drain",
        "pageblock-cmafix zone->lock@page_alloc_cpu_dead",
        "pageblock-cmafix zone->lock@rmqueue_buddy",
        "pageblock-cmafix zone->lock@rmqueue_bulk",
        "pageblock-lockfree pcp->lock@page_alloc_cpu_dead",
        "pageblock-lockfree zone->lock@free_one_page:trylock_failed",
        "pageblock-lockfree zone->lock@free_pcppages_bulk",
        "pageblock-lockfree zone->lock@free_pcppages_bulk:drain",
        "pageblock-lockfree zone->lock@page_alloc_cpu_dead",
        "pageblock-lockfree zone->lock@rmqueue_buddy",
        "pageblock-lockfree zone->lock@rmqueue_bulk",
    ];

    [Fact]
    public void Every_lock_acquisition_site_skipped_is_found_by_a_scenario_except_the_known_escapes()
    {
        var sweep = LockElisionSweep.Run([.. Designs.Designs.All], Catalog.DefaultBugIterations, TestBudgets.Seed, parallelism: 2, traceDirectory: TraceDirectory);
        output.WriteLine(Table(sweep));

        var escapes = sweep.Escapes.Select(r => r.Key).Order(StringComparer.Ordinal).ToArray();
        Assert.True(KnownEscapes.SequenceEqual(escapes),
            "the escapes changed; update KnownEscapes (and the README) to:\n" + string.Join("\n", escapes.Select(e => $"        \"{e}\",")));
    }

    [Fact]
    public void A_sweep_row_is_found_by_the_scenario_it_names()
    {
        // The sweep's own honesty: eliding the owner's pcp->lock on a routed free is caught by remote-free-vs-drain.
        var r = Explorer.Explore(new ExploreOptions
        {
            Scenario = "remote-free-vs-drain",
            Design = DesignKind.Pageblock,
            Iterations = Catalog.DefaultBugIterations,
            Seed = TestBudgets.Seed,
            Elision = new LockElision(Model.Sync.LockClass.Pcp, Model.Sync.LockSite.PcpRemoteFree),
            TraceDirectory = TraceDirectory,
        });

        Assert.True(r.BugFound, Describe(r));
        Assert.Equal("pcp->lock@free_unref_page:remote", r.Elision);
        Assert.Contains(r.Steps, s => s.Event.Contains("elided (as if taken)", StringComparison.Ordinal));
        var replay = Replayer.Replay(r.TracePath!);
        Assert.True(replay.Reproduced, $"expected '{r.Violation}', replay gave '{replay.Violation ?? "no bug"}'");
    }

    private static string Table(LockElisionSweepResult sweep)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"lock-elision sweep: {sweep.IterationsPerScenario} iterations per scenario, seed {TestBudgets.Seed}");
        sb.AppendLine("| site | design | scenario | iterations |");
        sb.AppendLine("|---|---|---|---:|");
        foreach (var r in sweep.Rows)
        {
            var found = r.Escaped ? $"ESCAPED ({string.Join(", ", r.Tried)})" : $"{r.Scenario} ({r.Invariant})";
            var iterations = r.Escaped ? $"{r.Tried.Count} x {sweep.IterationsPerScenario}" : r.Iteration!.Value.ToString(CultureInfo.InvariantCulture);
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {r.Lock}@{r.Site} | {r.Design} | {found} | {iterations} |");
        }

        foreach (var (design, sites) in sweep.Unreached)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"{design}: no scenario takes a lock at {string.Join(", ", sites)}");
        }

        return sb.ToString();
    }
}
