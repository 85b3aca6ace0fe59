namespace PcpTestbed.Stress.Cli;

/// <summary>How the lock statistics print.</summary>
public enum OutputFormat
{
    /// <summary>Tables per lock class and call site, times in ns, with percentiles.</summary>
    Table,

    /// <summary>The kernel's /proc/lock_stat layout (version 0.4), times in µs, to sit beside a real kernel's.</summary>
    LockStat,
}
