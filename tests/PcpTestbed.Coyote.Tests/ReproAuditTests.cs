using PcpTestbed.Coyote.Repro;
using PcpTestbed.Designs;

namespace PcpTestbed.Coyote.Tests;

/// <summary>
/// Where a reproduction's scripts audit: where its run did. The window runs from the last clean audit to the violation, so a
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

        Assert.False(config.AuditsScripts);
        Assert.Equal("at-the-end", config.Parameters["repro-audits"]);
    }

    [Fact]
    public void A_run_that_broke_at_an_audit_keeps_the_scripts_audits()
    {
        var file = ReproWindowTests.File(4, 0, 4, 0);
        var config = new ReproScenario(file, 1).Configure(DesignKind.Pageblock);

        Assert.True(config.AuditsScripts);
        Assert.False(config.Parameters.ContainsKey("repro-audits"));
    }

    [Fact]
    public void The_catalogues_scenarios_audit_their_scripts()
    {
        Assert.All(Catalog.Scenarios, s => Assert.True(s.Configure(s.Designs[0]).AuditsScripts, s.Name));
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
