using Spectre.Console;

namespace PcpTestbed.Stress.Cli;

/// <summary>
/// Where a command writes: results to <see cref="Out"/> (Spectre.Console), errors and plain progress lines to
/// <see cref="Error"/>. <see cref="LiveProgress"/> is set on a terminal, where a live progress bar replaces
/// the plain lines.
/// </summary>
public sealed class StressConsole
{
    /// <summary>Wide enough for a lock table; a terminal keeps its own width.</summary>
    public const int RedirectedWidth = 200;

    public required IAnsiConsole Out { get; init; }

    /// <summary>The same stream as plain text, for System.CommandLine's help.</summary>
    public required TextWriter Text { get; init; }

    public required TextWriter Error { get; init; }

    /// <summary>Draw a live progress bar with time left (a terminal); otherwise print a plain line about every second.</summary>
    public required bool LiveProgress { get; init; }

    /// <summary>The process's console: a live bar only when stdout is an interactive terminal.</summary>
    public static StressConsole ForProcess()
    {
        var console = AnsiConsole.Console;
        var live = !Console.IsOutputRedirected && console.Profile.Capabilities.Interactive && console.Profile.Capabilities.Ansi;
        if (Console.IsOutputRedirected)
        {
            console.Profile.Width = RedirectedWidth;
        }

        return new StressConsole { Out = console, Text = Console.Out, Error = Console.Error, LiveProgress = live };
    }

    /// <summary>Plain text into writers (tests, captured runs): no colours, no cursor movement, plain progress lines.</summary>
    public static StressConsole ForWriters(TextWriter output, TextWriter error)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = RedirectedWidth;
        return new StressConsole { Out = console, Text = output, Error = error, LiveProgress = false };
    }
}
