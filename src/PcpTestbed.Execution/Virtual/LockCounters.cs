namespace PcpTestbed.Execution.Virtual;

/// <summary>What the engine did with one lock class, and where it departed from exact virtual-time semantics. In ps.</summary>
internal struct LockCounters // do not make readonly: the engine counts in place
{
    public long Acquisitions;
    public long Contentions;
    public long TrylockFailures;
    public long OutOfOrderGrants;
    public long OutOfOrderDelayPs;
    public long DeferredTrylocks;
    public long DeferredTrylockDelayPs;
}
