using PcpTestbed.Coyote.Scenarios;
using PcpTestbed.Designs;
using PcpTestbed.Model.Audit;

namespace PcpTestbed.Coyote;

/// <summary>The scenarios and the bug catalogue, for the list verb and the tests.</summary>
public static class Catalog
{
    /// <summary>The iteration budget bug-finding runs use unless an entry says otherwise.</summary>
    public const int DefaultBugIterations = 300;

    private static readonly Scenario[] ScenarioTable =
    [
        new CanaryScenario(),
        new RemoteFreeVsDrainScenario(),
        new P0RecoverVsDrainScenario(),
        new TrylockFailuresScenario(),
        new CpuOfflineRemoteFreeScenario(),
        new DrainAllVsAllocScenario(),
        new HighatomicReserveRaceScenario(),
        new LockFreeRemoteListScenario(),
        new CmaRefillScenario(),
        new DecayVsDrainScenario(),
        new CpuOfflineOnlineRemoteFreeScenario(),
        new ChunkedFreeVsDrainScenario(),
        new ZoneLockContentionScenario(),
        new FolioBatchVsDrainScenario(),
        new CpuOfflineFolioBatchScenario(),
        new KswapdBoostResetScenario(),
    ];

    private const string SingleState = "§7.1 single-state";
    private const string PcpCount = "§7.2 pcp-count";
    private const string Ownership = "§7.4 ownership";

    private static readonly BugInfo[] BugTable =
    [
        Bug(InjectedBug.FreeToForeignPcpOnTrylockFailure, "trylock-failures", DesignKind.Mainline, [AuditRules.Describe(AuditRule.TrylockFallback)],
            "CPU 0's free finds its pcp->lock held by CPU 1's drain; the page lands on CPU 1's PCP and the auditor sees a routed page there"),
        Bug(InjectedBug.IgnorePcpTrylockFailure, "trylock-failures", DesignKind.Mainline, [Violations.Lockdep],
            "CPU 0's trylock fails while CPU 1's drain holds its pcp->lock, and the allocation takes from the list anyway: " +
            "lockdep_assert_held(&pcp->lock) fails at the list removal (without lockdep the drain would spin on lists emptier " +
            "than pcp->count, or a page would end both on a free list and allocated)"),
        Bug(InjectedBug.UnclampedBulkFreeCount, DecayVsDrainScenario.ScenarioName, DesignKind.Mainline, [Violations.Liveness],
            "CPU 0's decay works out the pages to drain without the lock, CPU 1's drain_all_pages() empties the PCP, then the decay " +
            "asks free_pcppages_bulk() for more pages than are left: without the clamp it spins over empty lists forever"),
        Bug(InjectedBug.DrainWithoutPcpLock, "drain-all-vs-alloc", DesignKind.Mainline, [Violations.Lockdep, Violations.Liveness],
            "CPU 2 drains a PCP without its pcp->lock: it reads a count that an allocation in flight (its list_del() done, its " +
            "count update not yet) has not lowered, and spins over lists emptier than that count; or lockdep_assert_held(&pcp->lock) " +
            "fails at the drain's first list removal"),
        Bug(InjectedBug.MissingOwnerRecheck, "cpu-offline-remote-free", DesignKind.Pageblock, [Ownership, SingleState],
            "CPU 1 reads owner CPU 0, CPU 2 kills CPU 0 and releases its blocks, then CPU 1 locks the dead PCP and leaves a PCP buddy there"),
        Bug(InjectedBug.OwnerTagClearedBeforeUnlink, "cpu-offline-remote-free", DesignKind.Pageblock, [Ownership],
            "deterministic: CPU death leaves the block on owned_blocks with no owner; the first audit after page_alloc_cpu_dead() sees it"),
        Bug(InjectedBug.RemoteCountUpdateOutsideLock, "remote-free-vs-drain", DesignKind.Pageblock, [Violations.Lockdep],
            "CPU 1 updates CPU 0's pcp->count after dropping the lock: lockdep_assert_held(&pcp->lock) fails at the update itself " +
            "(without lockdep a drain in between loses one update: a count mismatch, or a drain spinning on emptier lists)"),
        Bug(InjectedBug.RemoteListTakeNotAtomic, "lockfree-remote-list", DesignKind.PageblockLockFree, [SingleState],
            "a push lands between the owner's read of the list head and its store of 0: the pushed page is on no list"),
        Bug(InjectedBug.RemoteListNotClosedOnOffline, "cpu-offline-remote-free", DesignKind.PageblockLockFree, [Ownership],
            "CPU 1 read owner CPU 0 before it died and pushes after the drain: the page strands on the dead CPU's open list"),
        Bug(InjectedBug.CmaPhasesIgnoreRmqueueDecision, CmaRefillScenario.ScenarioName, DesignKind.PageblockCmaFix, [CmaRefillScenario.Invariant],
            "deterministic given the setup: refill phase 0 recovers the MOVABLE block while CMA holds most free pages (CONFIG_DEBUG_VM's " +
            "CMA-first check, on under Coyote, reports it inside the refill; the scenario's own check would after it)"),
        Bug(InjectedBug.HighatomicCapNotRechecked, HighatomicReserveRaceScenario.ScenarioName, DesignKind.Mainline, [AuditRules.Describe(AuditRule.Highatomic)],
            "both atomic allocations pass the racy cap check before either reserves; without the recheck both reserve: two blocks over a cap of one"),
        Bug(InjectedBug.ReleaseAfterDrain, "cpu-offline-remote-free", DesignKind.Pageblock, [Ownership, SingleState],
            "CPU 1's routed free takes the dead CPU's pcp->lock between the drain and the release: a PCP buddy stays on the dead CPU's PCP"),
        Bug(InjectedBug.RemotePushStateBeforeTag, "remote-free-vs-drain", DesignKind.PageblockLockFree, [SingleState],
            "CPU 1's push publishes the page as a PCP buddy before it tags it pending (the tag is written only after the push reads the " +
            "list head): the owner's merge pass meets it as a buddy in between and unlinks a page that is on no list (the stress runner hit " +
            "this as a double free before the publication was a scheduling point)"),
        Bug(InjectedBug.AbsorbWithoutOwnerCheck, CpuOfflineOnlineRemoteFreeScenario.ScenarioName, DesignKind.PageblockLockFree, [Ownership],
            "CPU 1 read owner CPU 0 before it died; the push lands after CPU 0 is online again, and CPU 0 lists the page as a PCP buddy " +
            "of a block it no longer owns (found by review of the lock-free paths)"),
    ];

    public static IReadOnlyList<Scenario> Scenarios => ScenarioTable;

    public static string ScenarioNames => string.Join(", ", ScenarioTable.Select(s => s.Name));

    /// <summary>The canary: a deliberate race the suite must find, or Coyote does not control the seam.</summary>
    public static string CanaryScenario => PcpTestbed.Coyote.Scenarios.CanaryScenario.ScenarioName;

    public static Scenario? FindScenario(string name) =>
        ScenarioTable.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Every scenario: name, description, designs, machine (JSON-friendly).</summary>
    public static IReadOnlyList<ScenarioInfo> ScenarioInfos =>
        ScenarioTable.Select(s =>
        {
            var c = s.Configure(s.Designs[0]);
            return new ScenarioInfo(s.Name, s.Description, s.Designs.Select(Designs.Designs.Name).ToArray(), c.Cpus, c.Zone);
        }).ToArray();

    /// <summary>The bug catalogue, one entry per <see cref="InjectedBug"/>.</summary>
    public static IReadOnlyList<BugInfo> Bugs => BugTable;

    public static BugInfo? FindBug(InjectedBug bug) => BugTable.FirstOrDefault(b => b.Bug == bug);

    private static BugInfo Bug(InjectedBug bug, string scenario, DesignKind design, string[] invariants, string note, bool findable = true) =>
        new(InjectedBugs.Name(bug), scenario, Designs.Designs.Name(design), InjectedBugs.Description(bug), invariants, DefaultBugIterations, findable, note);
}
