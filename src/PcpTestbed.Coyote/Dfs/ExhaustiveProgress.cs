namespace PcpTestbed.Coyote.Dfs;

/// <summary>Progress of an exhaustive search: schedules run, their rate, time spent, and the depth of the branch being explored.</summary>
public readonly record struct ExhaustiveProgress(long Schedules, double SchedulesPerSecond, TimeSpan Elapsed, int BranchDepth);
