using System.Globalization;
using System.Text;

namespace PcpTestbed.Stress.Cli;

/// <summary>Parses option values with messages a user can act on ("expected a whole number from 1 to 1024").</summary>
public static class Values
{
    private const int ShownChars = 40;

    /// <summary>A value's parser: the value, or false and what was expected.</summary>
    public delegate bool TryParse<T>(string text, out T value, out string problem);

    /// <summary>A token as an error message may quote it: one line, printable, at most 40 characters.</summary>
    public static string Show(string token)
    {
        var sb = new StringBuilder();
        foreach (var rune in token.EnumerateRunes())
        {
            if (sb.Length >= ShownChars)
            {
                sb.Append('…');
                break;
            }

            if (Rune.IsControl(rune) || Rune.GetUnicodeCategory(rune) is UnicodeCategory.Format or UnicodeCategory.OtherNotAssigned
                or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                sb.Append(CultureInfo.InvariantCulture, $"\\x{rune.Value:X2}");
            }
            else
            {
                sb.Append(rune.ToString());
            }
        }

        return sb.ToString();
    }

    /// <summary>A message squeezed onto one printable line (for errors that quote the user's input).</summary>
    public static string OneLine(string message)
    {
        var sb = new StringBuilder(message.Length);
        foreach (var rune in message.EnumerateRunes())
        {
            if (rune.Value is '\n' or '\r' or '\t')
            {
                sb.Append(' ');
            }
            else if (Rune.IsControl(rune) || Rune.GetUnicodeCategory(rune) is UnicodeCategory.Format or UnicodeCategory.OtherNotAssigned
                         or UnicodeCategory.Surrogate or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                sb.Append(CultureInfo.InvariantCulture, $"\\x{rune.Value:X2}");
            }
            else
            {
                sb.Append(rune.ToString());
            }
        }

        var text = sb.ToString().Trim();
        return text.Length > 400 ? text[..400] + "…" : text;
    }

    public static bool TryWhole(string text, long min, long max, out long value, out string problem)
    {
        problem = min == max ? $"expected {min}" : max == long.MaxValue ? $"expected a whole number of at least {min}" : $"expected a whole number from {min} to {max}";
        if (!long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value))
        {
            // Out of long's range but still digits: say it is too large rather than not a number.
            var t = text.Trim().TrimStart('+', '-');
            if (t.Length > 0 && t.All(char.IsAsciiDigit))
            {
                problem = $"{problem}; this is too large";
            }

            return false;
        }

        return value >= min && value <= max;
    }

    public static bool TryNumber(string text, double min, double max, out double value, out string problem)
    {
        problem = $"expected a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}";
        return double.TryParse(text.Trim(), NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent | NumberStyles.AllowLeadingSign,
                   CultureInfo.InvariantCulture, out value)
               && double.IsFinite(value) && value >= min && value <= max;
    }

    /// <summary>A comma-separated list (also "a, b"); an empty list or an empty item is an error.</summary>
    public static bool TryList<T>(string text, TryParse<T> item, out IReadOnlyList<T> values, out string problem)
    {
        var list = new List<T>();
        values = list;
        problem = "expected a comma-separated list";
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length == 0 || parts.All(p => p.Length == 0))
        {
            return false;
        }

        foreach (var part in parts)
        {
            if (part.Length == 0)
            {
                problem = "expected a comma-separated list without empty items";
                return false;
            }

            if (!item(part, out var v, out var p))
            {
                problem = $"item '{Show(part)}': {p}";
                return false;
            }

            if (!list.Contains(v))
            {
                list.Add(v);
            }
        }

        return true;
    }
}
