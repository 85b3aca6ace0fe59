namespace PcpTestbed.Coyote.Repro;

/// <summary>A reproduction file that cannot be used: unreadable, damaged, of another format or version, or naming what this build does not know.</summary>
public sealed class ReproFormatException : Exception
{
    public ReproFormatException(string path, string problem, Exception? inner = null)
        : base($"reproduction file '{path}': {problem}", inner)
    {
        Path = path;
        Problem = problem;
    }

    public string Path { get; }

    public string Problem { get; }
}
