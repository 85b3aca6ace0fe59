namespace PcpTestbed.Workloads.Observe;

/// <summary>A zone counter over a run: exact at the start and the end, min and max over the samples taken between (a dip between two samples is not seen).</summary>
public sealed record CounterRange(long Start, long End, long Min, long Max);
