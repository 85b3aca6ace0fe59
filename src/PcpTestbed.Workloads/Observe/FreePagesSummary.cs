namespace PcpTestbed.Workloads.Observe;

/// <summary>Free pages of one migratetype over a run's samples: the first, the least, the mean, the most and the last.</summary>
public sealed record FreePagesSummary(long Start, long Min, double Mean, long Max, long End);
