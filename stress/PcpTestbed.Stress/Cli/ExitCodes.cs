namespace PcpTestbed.Stress.Cli;

/// <summary>The runner's exit codes.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>A bug in the testbed itself (an unexpected exception): a short message, no stack trace.</summary>
    public const int InternalError = 1;

    /// <summary>Bad input: the command line or a file it names.</summary>
    public const int Usage = UsageException.ExitCode;

    /// <summary>
    /// The design under test broke: an invariant violation, pages lost, a hang or a lockdep report in a run; a bug
    /// found by explore; a trace that replay did not reproduce (its violation did not come back, or the code changed so
    /// the recorded schedule no longer fits). Also an exhaustive explore whose time budget ran out: no verdict, so not
    /// the clean exit either.
    /// </summary>
    public const int Broken = 3;
}
