using PcpTestbed.Stress.Tests.Support;

namespace PcpTestbed.Stress.Tests;

public class SoakTests
{
    [Theory]
    [InlineData("pageblock")]
    [InlineData("mainline")]
    public void A_short_soak_with_every_fault_on_passes_and_prints_a_line_per_audit(string design)
    {
        var (outcome, doc) = Shell.RunJson(0, "soak", "--design", design, "--cpus", "6", "--seconds", "2.5", "--zone-size", "256M",
            "--audit-interval", "0.5", "--quiet");
        Assert.True(doc.GetProperty("passed").GetBoolean());
        Assert.Equal(0, doc.GetProperty("invariantViolations").GetInt64());
        Assert.Equal(0, doc.GetProperty("pagesLost").GetInt64());
        var run = doc.GetProperty("run");
        RunJson.AssertValid(run);
        Assert.Equal(["cpu-hotplug", "drain-storm:1%", "exhaustion", "hold-delay:zone=200ns,pcp=50ns"],
            run.GetProperty("faults").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal("mixed", run.GetProperty("workload").GetString());

        // A soak hunts races: the allocator called back to back, no kernel work between calls.
        Assert.Equal(0, run.GetProperty("workScale").GetDouble());

        // Five audits are due in 2.5 s; how many run depends on the host (each stops six CPU threads on two cores, which at a
        // high load takes scheduler ticks), so the rule stated is a line per audit, over more than one.
        var audits = doc.GetProperty("audits").GetInt32();
        Assert.True(audits >= 2, $"{audits} audits");
        Assert.Equal(audits, doc.GetProperty("auditLog").GetArrayLength());
        var auditLines = outcome.Out.Split('\n').Where(l => l.StartsWith("audit ", StringComparison.Ordinal)).ToList();
        Assert.Equal(audits, auditLines.Count);
        Assert.All(auditLines, l => Assert.EndsWith(": ok", l.TrimEnd()));
        Assert.Contains($"{audits} audits, 0 violations, 0 pages lost: PASSED", outcome.Out);
    }
}
