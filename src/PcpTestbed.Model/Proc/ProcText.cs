using System.Globalization;
using System.Text;

namespace PcpTestbed.Model.Proc;

/// <summary>
/// One /proc file split into numbered lines, with the number parsing and error wording every
/// parser shares: a value is either what the line should hold or a <see cref="ProcFormatException"/>
/// naming <c>path:line</c>, what was expected and what was there.
/// </summary>
internal sealed class ProcText
{
    /// <summary>
    /// The largest page count any field may hold: 4 PiB of 4 KiB pages, all that 5-level paging
    /// (52 physical address bits) can address. Anything above is damage, and rejecting it keeps
    /// every later sum and product far from overflowing a long.
    /// </summary>
    public const long MaxPages = 1L << 40;

    /// <summary>MAX_NUMNODES with the largest NODES_SHIFT (10).</summary>
    public const int MaxNodes = 1 << 10;

    /// <summary>The largest NR_CPUS x86-64 configures (MAXSMP).</summary>
    public const int MaxCpus = 1 << 13;

    private const int MaxQuotedChars = 48;

    private readonly string[] _lines;

    public ProcText(string path, string text)
    {
        Path = path;
        _lines = text.Split('\n');
        for (var i = 0; i < _lines.Length; i++)
        {
            _lines[i] = _lines[i].TrimEnd('\r');
        }

        // A file that ends with a newline has no line after it.
        if (_lines.Length > 0 && _lines[^1].Length == 0)
        {
            Array.Resize(ref _lines, _lines.Length - 1);
        }
    }

    public string Path { get; }

    public int LineCount => _lines.Length;

    /// <summary>The text of a 1-based line.</summary>
    public string this[int line] => _lines[line - 1];

    /// <summary>Whitespace-separated fields, as the kernel's %s/%lu columns are padded with spaces.</summary>
    public static string[] Tokens(string line) => line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    public ProcFormatException Error(int line, string expected, string got) =>
        new(Path, line, $"expected {expected}, got {Quote(got)}");

    public ProcFormatException Error(int line, string detail) => new(Path, line, detail);

    /// <summary>
    /// Parses a non-negative decimal up to <paramref name="max"/>: what %lu, %u and a non-negative
    /// %i print. Signs, junk and values beyond the bound are errors, not clamps.
    /// </summary>
    public long ParseCount(int line, string token, long max, string expected)
    {
        if (!long.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value > max)
        {
            throw Error(line, expected, token);
        }

        return value;
    }

    /// <summary>A token as it may appear in a message: control characters escaped, long junk cut.</summary>
    public static string Quote(string got)
    {
        if (got.Length == 0)
        {
            return "nothing";
        }

        var sb = new StringBuilder("'");
        foreach (var c in got.Length > MaxQuotedChars ? got[..MaxQuotedChars] : got)
        {
            if (char.IsControl(c) || char.IsSurrogate(c) || c == '\uFFFD')
            {
                sb.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
            }
            else
            {
                sb.Append(c);
            }
        }

        sb.Append(got.Length > MaxQuotedChars ? "...'" : "'");
        return sb.ToString();
    }
}
