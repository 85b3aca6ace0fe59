using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace PcpTestbed.Benchmarks.Suite;

/// <summary>The jobs the suite measures with, and the one dry job that replaces them all under <c>--dry</c>.</summary>
public static class SuiteJobs
{
    /// <summary>
    /// Hot paths of a few to a hundred ns: 150 iterations of about 4 ms after ten warm-ups. An iteration shorter than a
    /// host scheduler slice often runs unpreempted even when other jobs load the 2 cores, so the minimum over many
    /// short iterations is the path's own cost, and the suite's targets are ratios of minima (as the lock overhead
    /// table in INSTRUMENTATION.md takes the best of interleaved rounds). One long iteration would average the
    /// host's other load into every sample instead.
    /// </summary>
    public static Job HotPath { get; } = Job.Default
        .WithId("hot")
        .WithWarmupCount(10)
        .WithIterationCount(150)
        .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(4));

    /// <summary>
    /// <see cref="HotPath"/> in five processes. A process's code and data placement (loop alignment, where the arrays land
    /// in the caches) moves a hot path's minimum by several ns from one launch to the next, more than a 5 % target's margin
    /// (the flight recorder's on / off came out 0.98x-1.20x across designs and runs of one launch each); the minimum over
    /// five launches is each side's best placement, so the ratio compares the code, not the luck of one layout.
    /// </summary>
    public static Job HotPathLaunches { get; } = HotPath
        .WithId("hot5")
        .WithLaunchCount(5);

    /// <summary>
    /// Operations that need their state rebuilt before every measurement (a refill needs an empty PCP list, a
    /// drain a full PCP): one invocation per iteration, the state rebuilt by [IterationSetup] outside the timed
    /// region, many iterations so the median is stable at µs scale.
    /// </summary>
    public static Job SingleShot { get; } = Job.Default
        .WithId("single")
        .WithInvocationCount(1)
        .WithUnrollFactor(1)
        .WithWarmupCount(20)
        .WithIterationCount(200);

    /// <summary>Coyote explorations of 100 ms to a second each: a few monitored runs, no pilot.</summary>
    public static Job Exploration { get; } = Job.Default
        .WithId("explore")
        .WithStrategy(RunStrategy.Monitoring)
        .WithLaunchCount(1)
        .WithWarmupCount(1)
        .WithIterationCount(5);

    /// <summary>
    /// Every benchmark once, in this process (no per-benchmark project build, so CI's <c>--no-build</c> holds),
    /// one invocation, no warm-up. It proves the suite runs; it measures nothing.
    /// </summary>
    public static Job Dry { get; } = Job.Dry
        .WithId("dry")
        .WithToolchain(InProcessEmitToolchain.Instance);

    /// <summary>The job a class measures with, or the dry job.</summary>
    public static Job Pick(Job measured) => SuiteMode.Dry ? Dry : measured;
}
