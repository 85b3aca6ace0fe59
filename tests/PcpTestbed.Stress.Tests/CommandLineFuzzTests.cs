using PcpTestbed.Stress.Tests.Support;

namespace PcpTestbed.Stress.Tests;

/// <summary>
/// A seeded command-line fuzz: a few thousand argument vectors, each a cheap valid command with one thing
/// broken (an unknown flag, a junk or huge number, a missing value, binary junk, an unknown verb or name).
/// Every one must end in exit code 2 with one "error:" line, or 0 when the mutation happened to be valid;
/// never an internal error or an exception.
/// </summary>
public class CommandLineFuzzTests
{
    private const int Seed = 20260901;
    private const int Vectors = 3000;

    private static readonly string[][] Bases =
    [
        ["run", "--ops", "1", "--cpus", "2", "--zone-size", "16M", "--quiet"],
        ["compare", "--ops", "1", "--cpus", "2", "--zone-size", "16M", "--quiet"],
        ["sweep", "--ops", "1", "--cpus", "1,2", "--zone-size", "16M", "--quiet"],
        ["soak", "--ops", "1", "--cpus", "2", "--zone-size", "16M", "--faults", "none", "--quiet"],
        ["explore", "--scenario", "trylock-failures", "--design", "mainline", "--iterations", "1", "--quiet"],
        ["list"],
    ];

    private static readonly string[] NumericOptions =
        ["--cpus", "--ops", "--seconds", "--seed", "--hold-sample", "--purgers", "--run-length", "--cma-share", "--receivers", "--rx-order", "--exit-fill",
         "--audit-interval", "--remote-free-percent", "--iterations", "--max-steps", "--strategy-bound", "--node", "--sample-interval",
         "--work-scale", "--free-batch", "--purge-extent-max"];

    private static readonly string[] NameOptions = ["--design", "--designs", "--workload", "--highatomic", "--format", "--faults", "--scenario", "--strategy", "--bug"];

    private static readonly string[] JunkNumbers =
        ["abc", "", " ", "-", "--", "1e999", "-1e999", "NaN", "Infinity", "-0.5e-400x", "0x10", "1_000", "1,5,", ",", "9999999999999999999999999999",
         "-9223372036854775809", "١٢", "1/2", "1..2", "+-3", "0b101", "½", "1e", "e1", "\u00001", "12abc", "0.0.0", "∞", "-Infinity", "1 2"];

    [Fact]
    public void Thousands_of_broken_command_lines_end_in_exit_2_with_one_error_line_and_no_exception()
    {
        var random = new Random(Seed);
        var failures = new List<string>();
        var exits = new Dictionary<int, int>();
        for (var i = 0; i < Vectors; i++)
        {
            var args = Mutate(random, Bases[random.Next(Bases.Length)]);
            Shell.Outcome outcome;
            try
            {
                outcome = Shell.Run(args);
            }
            catch (Exception e)
            {
                failures.Add($"{Show(args)}: threw {e.GetType().Name}: {e.Message}");
                continue;
            }

            exits[outcome.Exit] = exits.GetValueOrDefault(outcome.Exit) + 1;
            var ok = outcome.Exit switch
            {
                0 => true,
                2 => outcome.ErrLines.Length == 1 && outcome.ErrLines[0].StartsWith("error: ", StringComparison.Ordinal),
                _ => false,
            };
            if (!ok || outcome.Err.Contains("   at ", StringComparison.Ordinal))
            {
                failures.Add($"{Show(args)}: exit {outcome.Exit}: {outcome.Err.Trim()}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {Vectors} failed, e.g.:\n{string.Join("\n", failures.Take(10))}");

        // The fuzz exercised errors, not just valid runs.
        Assert.True(exits.GetValueOrDefault(2) > Vectors * 3 / 4, string.Join(", ", exits.Select(kv => $"exit {kv.Key}: {kv.Value}")));
    }

    private static string[] Mutate(Random r, string[] baseArgs)
    {
        var args = baseArgs.ToList();
        switch (r.Next(9))
        {
            case 0: // an unknown flag
                args.Insert(1 + r.Next(args.Count), "--" + Word(r));
                break;
            case 1: // a junk number for a numeric option
                args.AddRange([NumericOptions[r.Next(NumericOptions.Length)], JunkNumbers[r.Next(JunkNumbers.Length)]]);
                break;
            case 2: // a huge number
                args.AddRange([NumericOptions[r.Next(NumericOptions.Length)], r.Next(2) == 0 ? "1" + new string('0', 10 + r.Next(40)) : "-" + r.NextInt64(1, long.MaxValue)]);
                break;
            case 3: // a missing value: an option as the last word
                args.Add(NumericOptions.Concat(NameOptions).ElementAt(r.Next(NumericOptions.Length + NameOptions.Length)));
                break;
            case 4: // binary junk as an argument or a value
                var junk = Binary(r);
                if (r.Next(2) == 0)
                {
                    args.Insert(1 + r.Next(args.Count), junk);
                }
                else
                {
                    args.AddRange([NumericOptions.Concat(NameOptions).ElementAt(r.Next(NumericOptions.Length + NameOptions.Length)), junk]);
                }

                break;
            case 5: // an unknown name for a named option
                args.AddRange([NameOptions[r.Next(NameOptions.Length)], Word(r)]);
                break;
            case 6: // an unknown verb
                args[0] = Word(r);
                break;
            case 7: // a value where none belongs, or a stray word
                args.Insert(1 + r.Next(args.Count), r.Next(2) == 0 ? Word(r) : "@" + Word(r));
                break;
            default: // a junk zone spec
                // Sizes stay small where they are valid (at most 300M), so an accidentally valid vector runs quickly.
                args.AddRange(["--zone-size", r.Next(2) == 0 ? Word(r) : $"{r.Next(-5, 300)}{"KMPX"[r.Next(4)]}{(r.Next(2) == 0 ? "," + Word(r) + "=" + r.Next(-3, 200) + "%" : "")}"]);
                break;
        }

        return [.. args];
    }

    private static string Word(Random r)
    {
        const string letters = "abcdefghijklmnopqrstuvwxyz-_0123456789";
        var n = 1 + r.Next(12);
        return "x" + new string(Enumerable.Range(0, n).Select(_ => letters[r.Next(letters.Length)]).ToArray());
    }

    private static string Binary(Random r)
    {
        var bytes = new byte[1 + r.Next(24)];
        r.NextBytes(bytes);
        return System.Text.Encoding.Latin1.GetString(bytes);
    }

    private static string Show(string[] args) => string.Join(' ', args.Select(a => PcpTestbed.Stress.Cli.Values.Show(a)));
}
