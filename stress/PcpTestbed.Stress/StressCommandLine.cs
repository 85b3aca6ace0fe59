using System.CommandLine;
using PcpTestbed.Stress.Cli;
using PcpTestbed.Stress.Commands;

namespace PcpTestbed.Stress;

/// <summary>The command line: verbs, the default job, and the one-line errors with exit code 2.</summary>
public static class StressCommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand("PcpTestbed: the Linux page allocator's per-CPU page layer, emulated on OS threads and under Coyote")
        {
            ZoneCommand.Create(),
        };
        return root;
    }

    /// <summary>Parses and runs. Usage errors print one line and return 2; nothing prints a stack trace for bad input.</summary>
    public static int Run(string[] args, TextWriter? error = null)
    {
        error ??= Console.Error;
        var root = Build();
        var result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            error.WriteLine($"error: {result.Errors[0].Message} (see --help)");
            return UsageException.ExitCode;
        }

        try
        {
            return result.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (UsageException e)
        {
            error.WriteLine($"error: {e.Message}");
            return UsageException.ExitCode;
        }
    }
}
