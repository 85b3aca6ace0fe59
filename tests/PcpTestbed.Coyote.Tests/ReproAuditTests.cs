using PcpTestbed.Coyote.Repro;
using PcpTestbed.Designs;

namespace PcpTestbed.Coyote.Tests;

/// <summary>
/// Where a reproduction's iterations audit: where its run did. The window runs from the last clean audit to the violation, so a
/// run that broke at an access audited nowhere inside it; one that broke at an audit did so at the window's end.
/// </summary>
public class ReproAuditTests
{
    [Theory]
    [InlineData("liveness")]
    [InlineData("exception")]
    [InlineData("bad-page")]
    [InlineData("lockdep")]
    public void A_run_that_broke_at_an_access_has_its_scripts_unaudited_and_its_trace_says_so(string invariant)
    {
        var file = ReproWindowTests.File(4, 0, 4, 0) with { Invariant = invariant, Violation = $"[{invariant}] test" };
        var config = new ReproScenario(file, 1).Configure(DesignKind.Pageblock);

        Assert.False(config.Audits);
        Assert.Null(config.AuditReportsFirst);
        Assert.Equal("none", config.Parameters["repro-audits"]);
    }

    [Fact]
    public void A_run_that_broke_at_an_access_has_setups_end_unaudited_so_a_state_setup_broke_goes_on_to_the_scripts()
    {
        // With owner-tag-cleared-before-unlink, CPU 0 kills CPU 1 after CPU 1's allocation claimed a block and its drain gave
        // the block's other pages back (so it is on owned_blocks): it stays there owned by nobody (§7.4), the state whose aftermath (a spin, an exception) such a run recorded.
        // Setup replays the death (window 1); audited, its end would fail the iteration as §7.4 before any script ran.
        var liveness = StaleEntryInSetup("liveness");
        var run = ReproSetup.Run(liveness, 1);
        Assert.Contains(run.Allocator.Audit().Violations, v => v.ToString().StartsWith("[§7.4", StringComparison.Ordinal));

        // The same file recorded by an audit: setup's end is audited, and the broken state fails it.
        var audited = Assert.Throws<InvalidOperationException>(() => ReproSetup.Run(StaleEntryInSetup("§7.4 ownership"), 1));
        Assert.Contains("(after setup", audited.Message);
    }

    /// <summary>A 2-CPU pageblock file with the bug whose setup, at window 1, leaves a stale owned_blocks entry; it names <paramref name="invariant"/>.</summary>
    private static ReproFile StaleEntryInSetup(string invariant) => ReproWindowTests.File(1, 0, 1, 0) with
    {
        Bugs = ["owner-tag-cleared-before-unlink"],
        Invariant = invariant,
        Violation = $"[{invariant}] test",
        ViolationPageSeq = null,
        Operations =
        [
            [
                new ReproOp { Seq = 2, Op = ReproOp.CpuDead, Target = 1 },
                new ReproOp { Seq = 3, Op = ReproOp.CpuOnline, Target = 1 },
                new ReproOp { Seq = 4, Op = ReproOp.Alloc, Order = 0, Gfp = 0xcc0, Page = 1 },
            ],
            [
                new ReproOp { Seq = 0, Op = ReproOp.Alloc, Order = 0, Gfp = 0xcc0, Page = 0 },
                new ReproOp { Seq = 1, Op = ReproOp.DrainAllPages },
                new ReproOp { Seq = 5, Op = ReproOp.Free, Order = 0, Page = 0 },
            ],
        ],
    };

    [Fact]
    public void A_run_that_broke_at_an_audit_keeps_the_scripts_audits_and_has_its_class_reported_first()
    {
        var file = ReproWindowTests.File(4, 0, 4, 0);
        var config = new ReproScenario(file, 1).Configure(DesignKind.Pageblock);

        Assert.True(config.Audits);
        Assert.Equal("§7.1 single-state", config.AuditReportsFirst);
        Assert.False(config.Parameters.ContainsKey("repro-audits"));
    }

    [Fact]
    public void The_catalogues_scenarios_audit_their_scripts_in_the_auditors_order()
    {
        Assert.All(Catalog.Scenarios, s =>
        {
            var config = s.Configure(s.Designs[0]);
            Assert.True(config.Audits, s.Name);
            Assert.Null(config.AuditReportsFirst);
        });
    }
}
