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
    public void A_run_that_broke_at_an_audit_keeps_the_scripts_audits()
    {
        var file = ReproWindowTests.File(4, 0, 4, 0);
        var config = new ReproScenario(file, 1).Configure(DesignKind.Pageblock);

        Assert.True(config.Audits);
        Assert.False(config.Parameters.ContainsKey("repro-audits"));
    }

    [Fact]
    public void The_catalogues_scenarios_audit_their_scripts()
    {
        Assert.All(Catalog.Scenarios, s => Assert.True(s.Configure(s.Designs[0]).Audits, s.Name));
    }

    [Fact]
    public void An_audits_failure_names_every_class_it_found_so_the_recorded_one_matches_wherever_the_auditor_put_it()
    {
        var failure = Violations.OfAudit(["[§7.1 single-state] pfn:10: x", "[§7.4 ownership] pfn:11: y (z)", "[§7.1 single-state] pfn:12: w"], 5, "at the end");

        Assert.Equal("[§7.1 single-state] pfn:10: x (at the end; 4 more violation(s); the audit also found [§7.4 ownership])", failure);
        Assert.True(Violations.Names(failure, "§7.1 single-state"));
        Assert.True(Violations.Names(failure, "§7.4 ownership"));
        Assert.False(Violations.Names(failure, "§7.2 buddy"));
        Assert.False(Violations.Names(failure, "ownership"));
    }

    [Fact]
    public void The_search_recognises_the_recorded_class_where_the_audit_reports_another_first()
    {
        // A snapshot damaged so that the rebuilt state breaks several rules at once (an allocated page marked free): setup's
        // audit fails with all of them. For a run whose audit recorded one the auditor lists after the first, the serial probe
        // still finds the recorded class (every operation run serially breaks it), so the search cuts the file after the
        // first operation after which the serial order does: its first.
        var (allocator, preWindow) = ReproSnapshotTests.RunAllocator();
        var snapshot = allocator.SaveSnapshot();
        var damaged = ReproSnapshotTests.Build(allocator, snapshot, preWindow) with
        {
            Snapshot = Convert.ToBase64String(ReproSnapshotTests.Damaged(snapshot, (ref PcpTestbed.Model.Page p) => p.State = PcpTestbed.Model.PageState.Buddy)),

            // Recorded by an audit, so setup's end is audited (a run that broke at an access has it unaudited).
            Invariant = "§7.1 single-state",
            Violation = "[§7.1 single-state] test",
        };
        var failure = Assert.Throws<InvalidOperationException>(() => ReproSetup.Run(damaged, window: 1 << 20)).Message;
        var later = Enum.GetValues<PcpTestbed.Model.Audit.AuditRule>().Select(PcpTestbed.Model.Audit.AuditRules.Describe)
            .First(c => c != Violations.InvariantOf(failure) && Violations.Names(failure, c));

        using var temp = new TempDirectory();
        var result = ReproExplorer.Explore(new ReproExploreOptions
        {
            Path = temp.NewFile(".repro.json.gz"), File = damaged with { Invariant = later, Violation = $"[{later}] test" }, IterationsPerWindow = 1,
            TimeBudget = TimeSpan.FromSeconds(60), TraceDirectory = temp.Path,
        });

        Assert.Equal(2, damaged.OperationCount);
        Assert.Equal(1, result.Operations);
    }

    [Fact]
    public void A_failure_that_is_not_an_audits_names_its_own_class_only()
    {
        Assert.Equal("[§7.4 ownership] x (at the end)", Violations.OfAudit(["[§7.4 ownership] x"], 1, "at the end"));
        Assert.False(Violations.Names("[lockdep] CPU 0 in free: held", "§7.4 ownership"));
    }
}
