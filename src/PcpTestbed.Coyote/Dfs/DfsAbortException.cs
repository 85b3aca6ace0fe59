namespace PcpTestbed.Coyote.Dfs;

/// <summary>
/// Unwinds a CPU thread of our scheduler when its iteration ends early: a violation, a schedule that asked to stop, or
/// another CPU's failure. An <see cref="OperationCanceledException"/>, so the scenario's operations let it pass as they
/// let Coyote's own interruption pass (it is never a failure of the model).
/// </summary>
internal sealed class DfsAbortException : OperationCanceledException
{
    public DfsAbortException()
        : base("the iteration ended")
    {
    }

    public DfsAbortException(string message)
        : base(message)
    {
    }

    public DfsAbortException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
