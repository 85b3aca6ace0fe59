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
        Assert.Null(config.AuditReportsFirst);
        Assert.Equal("at-the-end", config.Parameters["repro-audits"]);
    }

    [Fact]
    public void A_run_that_broke_at_an_audit_keeps_the_scripts_audits_and_has_its_class_reported_first()
    {
        var file = ReproWindowTests.File(4, 0, 4, 0);
        var config = new ReproScenario(file, 1).Configure(DesignKind.Pageblock);

        Assert.True(config.AuditsScripts);
        Assert.Equal("§7.1 single-state", config.AuditReportsFirst);
        Assert.False(config.Parameters.ContainsKey("repro-audits"));
    }

    [Fact]
    public void The_catalogues_scenarios_audit_their_scripts_in_the_auditors_order()
    {
        Assert.All(Catalog.Scenarios, s =>
        {
            var config = s.Configure(s.Designs[0]);
            Assert.True(config.AuditsScripts, s.Name);
            Assert.Null(config.AuditReportsFirst);
        });
    }
}
