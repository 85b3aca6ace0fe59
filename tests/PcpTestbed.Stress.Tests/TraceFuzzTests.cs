using System.Text;
using System.Text.Json.Nodes;
using PcpTestbed.Stress.Tests.Support;

namespace PcpTestbed.Stress.Tests;

/// <summary>
/// A seeded fuzz of the trace reader, through the `replay` verb as a user runs it: a few thousand damaged copies of
/// real trace files (truncated, numbers replaced by junk or huge values, names replaced, spans deleted or
/// duplicated, binary junk and invalid UTF-8 inserted, fields removed or given values of another kind, the embedded
/// Coyote schedule or our scheduler's schedule garbled). Each must end in exit 2 with one "error:" line naming the file, or, when the damage
/// left a well-formed trace of a known scenario, in a replay verdict (0 reproduced, 3 not); never an internal
/// error, a stack trace or an exception.
/// </summary>
public class TraceFuzzTests
{
    private const int Seed = 20261123;
    private const int Variants = 3000;

    private static readonly string[] JunkValues =
    [
        "", " ", "abc", "-1", "0", "2147483648", "-2147483649", "9223372036854775808", "1e999", "-1e999", "1.5", "NaN", "0x1F",
        "\"\"", "\"no-such-thing\"", "null", "true", "[]", "{}", "[1,2", "{\"a\":", "\"\\u0000\"", "\"\\ud800\"", "18446744073709551616",
    ];

    private static readonly Lazy<string[]> ValidTraces = new(() =>
    [
        Explore("explore", "--scenario", "canary-lost-update", "--design", "mainline", "--iterations", "100"),
        Explore("explore", "--bug", "owner-tag-cleared-before-unlink", "--iterations", "50"),
        Explore("explore", "--exhaustive", "--scenario", "canary-lost-update", "--design", "mainline"),
        Explore("explore", "--exhaustive", "--bug", "missing-owner-recheck"),
    ]);

    private enum Damage
    {
        Truncate,
        ReplaceNumber,
        ReplaceString,
        DeleteSpan,
        DuplicateSpan,
        InsertBinary,
        RemoveField,
        RetypeField,
        GarbleCoyoteTrace,
        EmptyOrBlank,
    }

    [Fact]
    public void Thousands_of_damaged_trace_files_end_in_exit_2_with_one_error_line_naming_the_file_or_in_a_replay_verdict()
    {
        var random = new Random(Seed);
        var failures = new List<string>();
        var exits = new Dictionary<int, int>();
        for (var i = 0; i < Variants; i++)
        {
            var valid = ValidTraces.Value[random.Next(ValidTraces.Value.Length)];
            var damage = (Damage)random.Next(Enum.GetValues<Damage>().Length);
            var bytes = Apply(random, damage, valid);
            var path = TempDirectory.Process.NewFile(".trace.json");
            File.WriteAllBytes(path, bytes);

            Shell.Outcome outcome;
            try
            {
                outcome = Shell.Run("replay", path);
            }
            catch (Exception e)
            {
                failures.Add($"variant {i} ({damage}): threw {e.GetType().Name}: {e.Message}");
                continue;
            }

            exits[outcome.Exit] = exits.GetValueOrDefault(outcome.Exit) + 1;
            var ok = outcome.Exit switch
            {
                0 or 3 => outcome.Err.Length == 0,
                2 => outcome.ErrLines.Length == 1 && outcome.ErrLines[0].StartsWith("error: ", StringComparison.Ordinal)
                     && outcome.ErrLines[0].Contains(path, StringComparison.Ordinal),
                _ => false,
            };
            if (!ok || (outcome.Out + outcome.Err).Contains("   at ", StringComparison.Ordinal))
            {
                failures.Add($"variant {i} ({damage}): exit {outcome.Exit}: {outcome.Err.Trim()}");
            }
            else
            {
                File.Delete(path);
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {Variants} failed, e.g.:\n{string.Join("\n", failures.Take(10))}");

        // The fuzz exercised the reader's refusals, not just replays of harmless edits.
        Assert.True(exits.GetValueOrDefault(2) > Variants / 2, string.Join(", ", exits.Select(kv => $"exit {kv.Key}: {kv.Value}")));
    }

    private static string Explore(params string[] args)
    {
        var trace = TempDirectory.Process.NewFile(".trace.json");
        var outcome = Shell.Run([.. args, "--trace-out", trace, "--quiet"]);
        Assert.True(outcome.Exit == 3 && File.Exists(trace), outcome.ToString());
        return File.ReadAllText(trace);
    }

    private static byte[] Apply(Random r, Damage damage, string text)
    {
        switch (damage)
        {
            case Damage.Truncate:
                return Encoding.UTF8.GetBytes(text[..r.Next(text.Length)]);
            case Damage.ReplaceNumber:
                return Encoding.UTF8.GetBytes(ReplaceToken(r, text, IsNumberStart));
            case Damage.ReplaceString:
                return Encoding.UTF8.GetBytes(ReplaceToken(r, text, c => c == '"'));
            case Damage.DeleteSpan:
            {
                var start = r.Next(text.Length);
                return Encoding.UTF8.GetBytes(text.Remove(start, Math.Min(text.Length - start, 1 + r.Next(40))));
            }

            case Damage.DuplicateSpan:
            {
                var start = r.Next(text.Length);
                var span = text.Substring(start, Math.Min(text.Length - start, 1 + r.Next(80)));
                return Encoding.UTF8.GetBytes(text.Insert(r.Next(text.Length), span));
            }

            case Damage.InsertBinary:
            {
                var bytes = Encoding.UTF8.GetBytes(text).ToList();
                var junk = new byte[1 + r.Next(16)];
                r.NextBytes(junk); // invalid UTF-8, NULs and control bytes included
                bytes.InsertRange(r.Next(bytes.Count), junk);
                return [.. bytes];
            }

            case Damage.RemoveField:
            case Damage.RetypeField:
            {
                var root = JsonNode.Parse(text)!.AsObject();
                var (parent, name) = PickProperty(r, root);
                if (damage == Damage.RemoveField)
                {
                    parent.Remove(name);
                }
                else
                {
                    parent[name] = JsonNode.Parse(JunkJson(r));
                }

                return Encoding.UTF8.GetBytes(root.ToJsonString());
            }

            case Damage.GarbleCoyoteTrace when !text.Contains("\"coyoteTrace\"", StringComparison.Ordinal):
            {
                // Our scheduler's trace: one schedule step's CPU, kind or site replaced.
                var root = JsonNode.Parse(text)!.AsObject();
                var schedule = root["schedule"]!.AsArray();
                var step = schedule[r.Next(schedule.Count)]!.AsObject();
                var field = (string[])["cpu", "kind", "site"];
                step[field[r.Next(3)]] = JsonNode.Parse(JunkJson(r));
                return Encoding.UTF8.GetBytes(root.ToJsonString());
            }

            case Damage.GarbleCoyoteTrace:
            {
                var root = JsonNode.Parse(text)!.AsObject();
                var inner = (string)root["coyoteTrace"]!;
                var garbled = r.Next(3) switch
                {
                    0 => inner[..r.Next(inner.Length)],
                    1 => ReplaceToken(r, inner, IsNumberStart),
                    _ => ReplaceToken(r, inner, c => c == '"'),
                };
                root["coyoteTrace"] = garbled;
                return Encoding.UTF8.GetBytes(root.ToJsonString());
            }

            case Damage.EmptyOrBlank:
                return r.Next(3) switch
                {
                    0 => [],
                    1 => "   \n\t "u8.ToArray(),
                    _ => [0xEF, 0xBB, 0xBF], // a UTF-8 byte-order mark and nothing else
                };
            default:
                throw new ArgumentOutOfRangeException(nameof(damage));
        }
    }

    private static bool IsNumberStart(char c) => c is '-' || char.IsAsciiDigit(c);

    /// <summary>Replaces one randomly chosen token (a number, or a quoted string) with junk.</summary>
    private static string ReplaceToken(Random r, string text, Func<char, bool> isStart)
    {
        var starts = new List<int>();
        for (var i = 0; i < text.Length; i++)
        {
            if (isStart(text[i]) && (i == 0 || !char.IsAsciiLetterOrDigit(text[i - 1])))
            {
                starts.Add(i);
            }
        }

        if (starts.Count == 0)
        {
            return text + JunkValues[r.Next(JunkValues.Length)];
        }

        var start = starts[r.Next(starts.Count)];
        var end = start + 1;
        if (text[start] == '"')
        {
            while (end < text.Length && text[end] != '"')
            {
                end += text[end] == '\\' ? 2 : 1;
            }

            end = Math.Min(text.Length, end + 1);
        }
        else
        {
            while (end < text.Length && (char.IsAsciiDigit(text[end]) || text[end] is '.' or 'e' or 'E' or '+' or '-'))
            {
                end++;
            }
        }

        return string.Concat(text.AsSpan(0, start), JunkValues[r.Next(JunkValues.Length)], text.AsSpan(end));
    }

    private static string JunkJson(Random r) => r.Next(6) switch
    {
        0 => "null",
        1 => "\"junk\"",
        2 => r.Next(2) == 0 ? "-1" : "99999999999999999999",
        3 => "[]",
        4 => "{}",
        _ => "true",
    };

    /// <summary>A property anywhere in the document's objects (top level, configuration, steps), chosen at random.</summary>
    private static (JsonObject Parent, string Name) PickProperty(Random r, JsonObject root)
    {
        var all = new List<(JsonObject, string)>();
        Collect(root, all);
        return all[r.Next(all.Count)];
    }

    private static void Collect(JsonNode? node, List<(JsonObject, string)> into)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (name, value) in o)
                {
                    into.Add((o, name));
                    Collect(value, into);
                }

                break;
            case JsonArray a:
                foreach (var item in a)
                {
                    Collect(item, into);
                }

                break;
        }
    }
}
