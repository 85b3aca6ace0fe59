using System.CommandLine;
using PcpTestbed.Stress.Cli;
using PcpTestbed.Stress.Commands;

namespace PcpTestbed.Stress;

/// <summary>
/// The command line: verbs, the default job, and the exit codes (<see cref="ExitCodes"/>): bad input prints one
/// line "error: ..." and returns 2; a bug of the testbed prints one line and returns 1; neither prints a stack
/// trace.
/// </summary>
public static class StressCommandLine
{
    /// <summary>What the runner does with no arguments: compare's defaults (mainline vs pageblock, purge, 4 CPUs, 3 s each, 1G).</summary>
    public static readonly string[] DefaultJob = ["compare"];

    public static RootCommand Build(StressConsole io)
    {
        var root = new RootCommand(
            "PcpTestbed: the Linux page allocator's per-CPU page layer, emulated on OS threads and under Coyote. " +
            "With no arguments: compare mainline and pageblock on purge, 4 CPUs, 3 s each. " +
            "Exit codes: 0 ok, 1 internal error, 2 bad input, 3 the design broke (a violation, pages lost, a bug found, a trace not reproduced)")
        {
            RunCommand.Create(io),
            CompareCommand.Create(io),
            SweepCommand.Create(io),
            SoakCommand.Create(io),
            ExploreCommand.Create(io),
            ReplayCommand.Create(io),
            ShrinkCommand.Create(io),
            ListCommand.Create(io),
            ZoneCommand.Create(),
            CalibrateCommand.Create(io),
        };

        // No [suggest] or [diagram] directives: an argument is an argument.
        root.Directives.Clear();
        return root;
    }

    /// <summary>Parses and runs with the process's console.</summary>
    public static int Run(string[] args) => Run(args, StressConsole.ForProcess());

    /// <summary>Parses and runs, writing results to <paramref name="output"/> and errors to <paramref name="error"/> (no terminal features).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error) => Run(args, StressConsole.ForWriters(output, error));

    public static int Run(string[] args, StressConsole io)
    {
        try
        {
            var root = Build(io);
            if (args.Length == 0)
            {
                args = DefaultJob;
            }

            // No response files: "@x" is an argument like any other, not a file to read more arguments from.
            var result = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
            if (result.Errors.Count > 0)
            {
                // An unknown word explains more than the "required command" error it causes.
                var error = result.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? result.Errors[0];
                io.Error.WriteLine($"error: {Values.OneLine(error.Message)} (see --help)");
                return ExitCodes.Usage;
            }

            return result.Invoke(new InvocationConfiguration
            {
                EnableDefaultExceptionHandler = false,
                Output = io.Text,
                Error = io.Error,
            });
        }
        catch (UsageException e)
        {
            io.Error.WriteLine($"error: {Values.OneLine(e.Message)}");
            return ExitCodes.Usage;
        }
        catch (Exception e) when (RunFailures.IsFinding(e))
        {
            io.Error.WriteLine($"failed: the run broke: {Values.OneLine(e.Message)}");
            return ExitCodes.Broken;
        }
        catch (Exception e)
        {
            var cause = e is BrokenRunException { InnerException: { } inner } ? inner : e;
            io.Error.WriteLine($"internal error: {cause.GetType().Name}: {Values.OneLine(cause.Message)} (a bug of the testbed; please report it with the command line)");
            return ExitCodes.InternalError;
        }
    }
}
