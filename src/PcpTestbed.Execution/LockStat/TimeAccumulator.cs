namespace PcpTestbed.Execution.LockStat;

/// <summary>lock_stat's <c>struct lock_time</c>: count, total, min and max of wait or hold times, in ns.</summary>
internal struct TimeAccumulator // do not make readonly: the owning CPU updates it in place
{
    public long Count;
    public long TotalNs;
    public long MinNs;
    public long MaxNs;

    public void Record(long ns)
    {
        // lock_time_inc(): the first value sets the min, so a 0 ns hold can be the min.
        if (Count == 0 || ns < MinNs)
        {
            MinNs = ns;
        }

        if (ns > MaxNs)
        {
            MaxNs = ns;
        }

        TotalNs += ns;
        Count++;
    }
}
