namespace PcpTestbed.Execution.Virtual;

/// <summary>
/// A cost-model file that cannot be used: unreadable, not JSON, another format version, or a field missing, unknown,
/// of the wrong type or out of range. The message is one line naming the file and the field; the command line maps
/// it to exit code 2.
/// </summary>
public sealed class CostModelException : Exception
{
    public CostModelException(string message)
        : base(message)
    {
    }

    public CostModelException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
