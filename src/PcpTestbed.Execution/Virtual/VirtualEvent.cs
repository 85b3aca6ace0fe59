namespace PcpTestbed.Execution.Virtual;

/// <summary>A coordinator action due at a virtual time (an audit, a fault), repeating every <paramref name="PeriodPs"/> when that is positive.</summary>
internal readonly record struct VirtualEvent(long AtPs, long Sequence, long PeriodPs, Action Action);
