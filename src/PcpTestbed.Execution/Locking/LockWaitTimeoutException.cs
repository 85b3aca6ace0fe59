namespace PcpTestbed.Execution.Locking;

/// <summary>A spin lock wait that cannot end: recursion, a deadlock, or a holder that stopped running.</summary>
public sealed class LockWaitTimeoutException : Exception
{
    public LockWaitTimeoutException(string message)
        : base(message)
    {
    }
}
