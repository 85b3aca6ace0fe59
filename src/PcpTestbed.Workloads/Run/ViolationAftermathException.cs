namespace PcpTestbed.Workloads.Run;

/// <summary>
/// A CPU threw after the run had recorded a violation (an audit's or lockdep's, which cut the flight recorder's window):
/// the allocator was running on state the violation had already corrupted, so the throw is that violation's aftermath
/// (an injected bug's list left half-linked, say, walked by the next refill), not a fault of the testbed. A finding, under
/// the first violation's name; the throw is the inner exception.
/// </summary>
public sealed class ViolationAftermathException(string violation, Exception fault)
    : Exception($"the run broke after its first violation, {violation}: {fault.Message}", fault)
{
    /// <summary>The first violation, as the recording names it.</summary>
    public string Violation { get; } = violation;
}
