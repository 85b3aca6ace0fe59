namespace PcpTestbed.Model.Proc;

/// <summary>
/// A /proc file (or a copy of one) that cannot be imported: missing, from another page or
/// pageblock size, malformed, or describing a zone the testbed cannot hold. The message starts
/// with <c>path:line:</c> (just <c>path:</c> when no single line is at fault) and says what was
/// expected, so a user can open the file at the right place.
/// </summary>
public sealed class ProcFormatException : FormatException
{
    public ProcFormatException(string path, int line, string detail, Exception? inner = null)
        : base(Locate(path, line) + detail, inner)
    {
        Path = path;
        Line = line;
        Detail = detail;
    }

    /// <summary>The file at fault, as the importer was told to read it.</summary>
    public string Path { get; }

    /// <summary>The 1-based line at fault, or 0 when the problem is the file as a whole.</summary>
    public int Line { get; }

    /// <summary>The message without its location.</summary>
    public string Detail { get; }

    private static string Locate(string path, int line) => line > 0 ? $"{path}:{line}: " : $"{path}: ";
}
