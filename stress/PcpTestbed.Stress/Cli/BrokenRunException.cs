using PcpTestbed.Stress.Reports;
using PcpTestbed.Workloads.Run;

namespace PcpTestbed.Stress.Cli;

/// <summary>A run of a series broke: what is known of it, the runs that finished before it, and what broke it (the inner exception).</summary>
public sealed class BrokenRunException(BrokenRun broken, IReadOnlyList<RunResult> completed, Exception inner)
    : Exception(inner.Message, inner)
{
    public BrokenRun Broken { get; } = broken;

    public IReadOnlyList<RunResult> Completed { get; } = completed;
}
