using PcpTestbed.Designs;

namespace PcpTestbed.Coyote.Tests;

/// <summary>
/// KERNEL.md §7.4 on free_unref_folios()'s routed groups: a folio whose owner died between the batch's owner read and its
/// trylock of the owner's pcp->lock is routed again, never put on the dead CPU's PCP. cpu-offline-folio-batch is the one
/// scenario that changes an owner while a batch is routed to it (docs/mutation-sweep.md).
/// </summary>
public sealed class CpuOfflineFolioBatchTests : ControlledTest
{
    [Theory]
    [InlineData(DesignKind.Pageblock)]
    [InlineData(DesignKind.PageblockCmaFix)]
    public void A_batch_without_the_owner_recheck_puts_a_pcp_buddy_on_the_dead_cpus_pcp_and_the_trace_replays(DesignKind design)
    {
        var r = Explorer.Explore(new ExploreOptions
        {
            Scenario = "cpu-offline-folio-batch",
            Design = design,
            Bugs = InjectedBug.MissingOwnerRecheck,
            Iterations = Catalog.DefaultBugIterations,
            Seed = TestBudgets.Seed,
            TraceDirectory = TraceDirectory,
        });

        Assert.True(r.BugFound, $"missing-owner-recheck not found in {r.Iterations} iterations");
        Assert.Contains("§7.4 ownership", r.Violation, StringComparison.Ordinal);

        // Only the batch routes to CPU 0 here (CPU 2's free follows the death, which left the block unowned).
        Assert.Contains("after CPU 1's free_unref_folios", r.Violation, StringComparison.Ordinal);
        var replay = Replayer.Replay(r.TracePath!);
        Assert.True(replay.Reproduced, $"expected '{r.Violation}', replay gave '{replay.Violation ?? "no bug"}'");
    }
}
