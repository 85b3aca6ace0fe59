using System.Text.Json;

namespace PcpTestbed.Stress.Tests.Support;

/// <summary>Runs the stress runner's entry point in-process with captured output, as a user's shell would see it.</summary>
public static class Shell
{
    public sealed record Outcome(int Exit, string Out, string Err)
    {
        public string[] ErrLines => Err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        public override string ToString() => $"exit {Exit}\n--- stdout\n{Out}\n--- stderr\n{Err}";
    }

    public static Outcome Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = StressCommandLine.Run(args, output, error);
        return new Outcome(exit, output.ToString(), error.ToString());
    }

    /// <summary>Runs, asserts the exit code, and returns the JSON the command wrote to a fresh file.</summary>
    public static (Outcome Outcome, JsonElement Json) RunJson(int expectedExit, params string[] args)
    {
        var path = TempDirectory.Process.NewFile(".json");
        var outcome = Run([.. args, "--json", path]);
        Assert.True(outcome.Exit == expectedExit, outcome.ToString());
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return (outcome, doc.RootElement.Clone());
    }
}
