using System.Collections.Concurrent;
using PcpTestbed.Designs;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote;

/// <summary>
/// The scenarios' self-check (issue 14, item 7): for every lock acquisition site a design uses, a run that skips
/// exactly that acquisition and its release (<see cref="LockElision"/>) must be caught by some scenario within the
/// budget. First a coverage pass finds which (lock class, site) pairs each scenario reaches on each design; then
/// each pair is elided in turn under the scenarios that reach it, until one fails. A lock listed as redundant
/// (<see cref="LockElisionExemptions"/>) is still swept, and must still escape.
/// </summary>
public static class LockElisionSweep
{
    /// <summary>Iterations of the coverage pass per scenario and design: enough to meet the trylock failures and fallbacks.</summary>
    public const int CoverageIterations = 100;

    public static LockElisionSweepResult Run(
        IReadOnlyList<DesignKind> designs,
        int iterationsPerScenario = Catalog.DefaultBugIterations,
        uint seed = 1,
        int parallelism = 1,
        string? traceDirectory = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterationsPerScenario, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        var scenarios = Catalog.Scenarios.Where(s => s.Name != Catalog.CanaryScenario).ToArray();

        // Which (class, site) pairs each scenario reaches on each design.
        var passes = designs.SelectMany(d => scenarios.Where(s => s.AppliesTo(d)).Select(s => (Design: d, Scenario: s))).ToArray();
        var reached = new ConcurrentDictionary<(DesignKind, string), LockElision[]>();
        Parallel.ForEach(passes, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, p =>
        {
            var r = Explorer.Explore(p.Scenario, Options(p.Scenario, p.Design, CoverageIterations, seed, null, traceDirectory));
            if (r.BugFound)
            {
                throw new InvalidOperationException($"the coverage pass of {p.Scenario.Name} on {Designs.Designs.Name(p.Design)} failed: {r.Violation}");
            }

            reached[(p.Design, p.Scenario.Name)] = r.Coverage.Locks.Select(Parse).ToArray();
        });

        var work = new List<(DesignKind Design, LockElision Elision, Scenario[] Scenarios)>();
        var unreached = new Dictionary<string, IReadOnlyList<string>>();
        var takenThoughNeverTaken = new List<string>();
        foreach (var d in designs)
        {
            var byScenario = scenarios.Where(s => s.AppliesTo(d)).Select(s => (Scenario: s, Locks: reached[(d, s.Name)])).ToArray();
            var sites = byScenario.SelectMany(x => x.Locks).Distinct().OrderBy(e => e.Class).ThenBy(e => e.Site).ToArray();
            foreach (var e in sites)
            {
                work.Add((d, e, byScenario.Where(x => x.Locks.Contains(e)).Select(x => x.Scenario).ToArray()));
            }

            unreached[Designs.Designs.Name(d)] = LockSites.All
                .Where(s => sites.All(e => e.Site != s) && LockElisionExemptions.NeverTaken(d, s) == null)
                .Select(LockSites.KernelName).ToArray();
            takenThoughNeverTaken.AddRange(sites.Where(e => LockElisionExemptions.NeverTaken(d, e.Site) != null)
                .Select(e => $"{Designs.Designs.Name(d)} {e}"));
        }

        var rows = new LockElisionRow[work.Count];
        Parallel.For(0, work.Count, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, i =>
        {
            var (design, elision, candidates) = work[i];
            var tried = new List<string>();
            LockElisionRow? found = null;
            foreach (var s in candidates)
            {
                tried.Add(s.Name);
                var r = Explorer.Explore(s, Options(s, design, iterationsPerScenario, seed, elision, traceDirectory));
                if (r.BugFound)
                {
                    found = Row(design, elision, s.Name, r.FirstBugIteration, r.Invariant, tried);
                    break;
                }
            }

            rows[i] = found ?? Row(design, elision, null, null, null, tried);
        });

        return new LockElisionSweepResult(rows, unreached, iterationsPerScenario) { TakenThoughNeverTaken = takenThoughNeverTaken };
    }

    private static LockElisionRow Row(DesignKind design, LockElision e, string? scenario, int? iteration, string? invariant, List<string> tried) =>
        new(Designs.Designs.Name(design), LockClasses.Name(e.Class), LockSites.KernelName(e.Site), scenario, iteration, invariant, [.. tried],
            LockElisionExemptions.Redundant(e));

    private static ExploreOptions Options(Scenario s, DesignKind design, int iterations, uint seed, LockElision? elision, string? traceDirectory) => new()
    {
        Scenario = s.Name,
        Design = design,
        Iterations = iterations,
        Seed = seed,
        Elision = elision,
        TraceDirectory = traceDirectory,
    };

    private static LockElision Parse(LockSiteCount c) =>
        LockClasses.TryParse(c.Lock, out var lockClass) && LockSites.TryParse(c.Site, out var site)
            ? new LockElision(lockClass, site)
            : throw new InvalidOperationException($"coverage names an unknown lock site {c.Lock}@{c.Site}");
}
