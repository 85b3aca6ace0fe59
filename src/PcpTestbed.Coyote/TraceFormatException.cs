namespace PcpTestbed.Coyote;

/// <summary>A trace file that cannot be replayed: unreadable, damaged, of another format version, or naming what this build does not know.</summary>
public sealed class TraceFormatException : Exception
{
    public TraceFormatException(string path, string problem, Exception? inner = null)
        : base($"trace file '{path}': {problem}", inner)
    {
        Path = path;
        Problem = problem;
    }

    public string Path { get; }

    /// <summary>What is wrong, without the file name.</summary>
    public string Problem { get; }
}
