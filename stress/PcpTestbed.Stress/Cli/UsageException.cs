namespace PcpTestbed.Stress.Cli;

/// <summary>Bad input from the command line or a file it names: printed as one line, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message)
{
    public const int ExitCode = 2;
}
