using PcpTestbed.Coyote;
using PcpTestbed.Designs;

namespace PcpTestbed.Coyote.Tests;

/// <summary>The canary's lost update is found under every strategy and replays: the seam is controlled.</summary>
public sealed class CanaryTests : ControlledTest
{
    [Theory]
    [MemberData(nameof(AllStrategies))]
    public void The_canary_lost_update_is_found(SchedulingStrategy strategy)
    {
        var r = Explore(Catalog.CanaryScenario, DesignKind.Mainline, InjectedBug.None, 200, strategy);

        Assert.True(r.BugFound, Describe(r));
        Assert.StartsWith("[canary] lost update", r.Violation);
        Assert.Equal("canary", r.Invariant);
    }

    [Fact]
    public void The_canary_trace_replays_to_the_same_lost_update()
    {
        var r = Explore(Catalog.CanaryScenario, DesignKind.Pageblock, InjectedBug.None, 200);
        Assert.True(r.BugFound, Describe(r));

        var replay = Replayer.Replay(r.TracePath!);

        Assert.True(replay.Reproduced, $"expected '{r.Violation}', replay gave '{replay.Violation}'");
        Assert.Equal(r.Steps, replay.Steps);
    }
}
