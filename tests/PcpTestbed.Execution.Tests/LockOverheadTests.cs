using PcpTestbed.Execution.LockStat;
using Xunit.Abstractions;

namespace PcpTestbed.Execution.Tests;

/// <summary>
/// The overhead measurement behind src/PcpTestbed.Execution/INSTRUMENTATION.md. A short run by default; for the
/// published numbers (200,000 pairs per run, 60 rounds):
/// <c>PCP_OVERHEAD_FULL=1 dotnet test tests/PcpTestbed.Execution.Tests -c Release --filter FullyQualifiedName~LockOverheadTests --logger "console;verbosity=detailed"</c>.
/// </summary>
public class LockOverheadTests(ITestOutputHelper output)
{
    [Fact]
    public void Lock_stat_at_the_default_sampling_rate_costs_less_than_timing_every_hold()
    {
        var full = Environment.GetEnvironmentVariable("PCP_OVERHEAD_FULL") == "1";
        var (pairs, runs) = full ? (200_000L, 60) : (100_000L, 3);

        var rows = LockOverheadMeter.Measure(pairs, runs, full ? LockOverheadMeter.DefaultIntervals : [0, 1, LockStatRecorder.DefaultHoldSampleInterval]);

        output.WriteLine($"clock read {LockClock.ReadCostNs:0.0} ns; {pairs} pairs per run, best of {runs} rounds");
        output.WriteLine(LockOverheadMeter.ToMarkdown(rows));
        var everyHold = rows.Single(r => r.HoldSampleInterval == 1);
        var byDefault = rows.Single(r => r.HoldSampleInterval == LockStatRecorder.DefaultHoldSampleInterval);

        // Two clock reads per acquisition dwarf the counters; if not, the probe is not what it claims to be.
        Assert.True(everyHold.AllocFreePairNs > 2 * byDefault.AllocFreePairNs, LockOverheadMeter.ToMarkdown(rows));
    }
}
