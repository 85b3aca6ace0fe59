using System.Globalization;
using System.Text;
using PcpTestbed.Coyote;
using PcpTestbed.Designs;
using Xunit.Abstractions;

namespace PcpTestbed.Coyote.Tests;

/// <summary>
/// The lock-elision sweep as a ratchet (issue 14, item 7): every lock acquisition site a design takes, skipped with its
/// release, must be caught by a scenario within the catalogue's budget. Nothing escapes; the only rows no scenario
/// catches are the locks listed as redundant (<see cref="LockElisionExemptions"/>, with their reasons), and those must
/// still escape; every lock site of every design is taken by some scenario, except those the design never takes. Run it
/// with detailed output for the table.
/// </summary>
public sealed class LockElisionSweepTests(ITestOutputHelper output) : ControlledTest
{
    /// <summary>"design class@site" of every acquisition listed as redundant that the sweep reaches, sorted.</summary>
    private static readonly string[] ExpectedRedundant =
    [
        "mainline pcp->lock@page_alloc_cpu_online",
        "pageblock pcp->lock@page_alloc_cpu_online",
        "pageblock-cmafix pcp->lock@page_alloc_cpu_online",
        "pageblock-lockfree pcp->lock@page_alloc_cpu_online",
    ];

    /// <summary>One sweep for the facts that read it (it takes about a minute on two cores).</summary>
    private static readonly Lazy<LockElisionSweepResult> Sweep = new(() =>
        LockElisionSweep.Run([.. Designs.Designs.All], Catalog.DefaultBugIterations, TestBudgets.Seed, parallelism: 2,
            traceDirectory: TraceDirectory));

    [Fact]
    public void Every_lock_acquisition_site_skipped_is_found_by_a_scenario_unless_the_lock_is_redundant()
    {
        var sweep = Sweep.Value;
        output.WriteLine(Table(sweep));

        var escapes = sweep.Escapes.Select(r => r.Key).Order(StringComparer.Ordinal).ToArray();
        Assert.True(escapes.Length == 0, "no scenario noticed these missing locks:\n" + string.Join("\n", escapes));
        var wronglyRedundant = sweep.Rows.Where(r => r.RedundantButFound).Select(r => $"{r.Key} (found by {r.Scenario})").ToArray();
        Assert.True(wronglyRedundant.Length == 0, "listed as redundant, yet a scenario noticed it missing:\n" + string.Join("\n", wronglyRedundant));
        Assert.Equal(ExpectedRedundant, sweep.RedundantRows.Select(r => r.Key).Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void Every_lock_site_is_taken_by_some_scenario_on_every_design_that_can_take_it()
    {
        var sweep = Sweep.Value;

        Assert.All(sweep.Unreached, u => Assert.True(u.Value.Count == 0, $"{u.Key}: no scenario takes a lock at {string.Join(", ", u.Value)}"));
        Assert.Empty(sweep.TakenThoughNeverTaken);
    }

    [Fact]
    public void A_sweep_row_is_found_by_the_scenario_it_names()
    {
        // The sweep's own honesty: eliding the owner's pcp->lock on a routed free is caught by remote-free-vs-drain.
        var r = FoundAndReplayed("remote-free-vs-drain", DesignKind.Pageblock, new LockElision(Model.Sync.LockClass.Pcp, Model.Sync.LockSite.PcpRemoteFree));

        Assert.Equal("pcp->lock@free_unref_page:remote", r.Elision);
        Assert.Contains(r.Steps, s => s.Event.Contains("elided (as if taken)", StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_zone_lock_is_found_because_zone_critical_sections_interleave_at_their_free_list_points()
    {
        // Two refills at once: without zone->lock one takes a chunk the other chose, between the choice and the unlink.
        var r = FoundAndReplayed("zone-lock-contention", DesignKind.Mainline, new LockElision(Model.Sync.LockClass.Zone, Model.Sync.LockSite.Refill));

        Assert.Contains(r.Steps, s => s.Site == "__del_page_from_free_list:free_area");
    }

    /// <summary>Explores <paramref name="scenario"/> with <paramref name="elision"/> at the catalogue's budget: it must fail and replay.</summary>
    private ExploreResult FoundAndReplayed(string scenario, DesignKind design, LockElision elision)
    {
        var r = Explorer.Explore(new ExploreOptions
        {
            Scenario = scenario,
            Design = design,
            Iterations = Catalog.DefaultBugIterations,
            Seed = TestBudgets.Seed,
            Elision = elision,
            TraceDirectory = TraceDirectory,
        });

        Assert.True(r.BugFound, Describe(r));
        var replay = Replayer.Replay(r.TracePath!);
        Assert.True(replay.Reproduced, $"expected '{r.Violation}', replay gave '{replay.Violation ?? "no bug"}'");
        return r;
    }

    private static string Table(LockElisionSweepResult sweep)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"lock-elision sweep: {sweep.IterationsPerScenario} iterations per scenario, seed {TestBudgets.Seed}");
        sb.AppendLine("| site | design | scenario | iterations |");
        sb.AppendLine("|---|---|---|---:|");
        foreach (var r in sweep.Rows)
        {
            var caught = r.Scenario != null;
            var found = caught ? $"{r.Scenario} ({r.Invariant})" : r.Redundant != null ? "redundant (see below)" : $"ESCAPED ({string.Join(", ", r.Tried)})";
            var iterations = caught ? r.Iteration!.Value.ToString(CultureInfo.InvariantCulture) : $"{r.Tried.Count} x {sweep.IterationsPerScenario}";
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {r.Lock}@{r.Site} | {r.Design} | {found} | {iterations} |");
        }

        foreach (var (lockClass, site, reason) in LockElisionExemptions.RedundantLocks)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"redundant: {Model.Sync.LockClasses.Name(lockClass)}@{Model.Sync.LockSites.KernelName(site)}: {reason}");
        }

        foreach (var (design, site, reason) in LockElisionExemptions.NeverTakenSites)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"never taken: {Designs.Designs.Name(design)} {Model.Sync.LockSites.KernelName(site)}: {reason}");
        }

        foreach (var (design, sites) in sweep.Unreached.Where(u => u.Value.Count > 0))
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"{design}: no scenario takes a lock at {string.Join(", ", sites)}");
        }

        return sb.ToString();
    }
}
