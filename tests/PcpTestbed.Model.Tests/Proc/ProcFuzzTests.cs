using System.Diagnostics;
using System.Text;
using PcpTestbed.Model.Audit;
using PcpTestbed.Model.Layout;
using PcpTestbed.Model.Proc;
using Xunit.Abstractions;

namespace PcpTestbed.Model.Tests.Proc;

/// <summary>
/// Damaged copies of the fixtures either import to a zone that audits clean or are rejected with a
/// <see cref="ProcFormatException"/>; nothing else (IndexOutOfRange, NullReference, Overflow, ...)
/// may escape. The seed is fixed, so a failure names a variant that replays.
/// </summary>
public class ProcFuzzTests(ITestOutputHelper output)
{
    private const int Seed = 20261123;
    private const int Variants = 3600;

    private static readonly string[] ProcFiles = ["zoneinfo", "pagetypeinfo"];

    private static readonly string[] Junk =
    [
        "abc", "", "-1", "-123456", "99999999999999999999", "18446744073709551615", "9223372036854775807",
        "2199023255553", "1099511627776", "0x1F", "1.5", "1e3", ">", ">-3", "+7", "٣", "\0\u0001\u00ff", "NaN", "4294967296",
    ];

    // Targets are the zones whose layout is cheap to build; the 64 GiB fixture is damaged too, but only its DMA zone is built.
    private static readonly (string Fixture, string[] Zones)[] Bases =
    [
        (ProcFixtures.ThisMachine, ["DMA", "DMA32", "Normal"]),
        (ProcFixtures.CmaKernel, ["DMA", "Normal"]),
        (ProcFixtures.Normal64G, ["DMA"]),
    ];

    private enum Damage
    {
        Truncate,
        ReplaceNumber,
        SwapLines,
        DuplicateLine,
        DeleteLine,
        InsertBinary,
        ReplaceLineWithBinary,
    }

    [Fact]
    public void Damaged_proc_files_import_to_a_clean_zone_or_throw_ProcFormatException()
    {
        var random = new Random(Seed);
        var bases = Bases.Select(b => (b.Fixture, b.Zones, Files: LoadFiles(b.Fixture))).ToArray();
        var audited = new HashSet<string>(); // images already built and audited clean
        int imported = 0, rejected = 0;
        var clock = Stopwatch.StartNew();

        for (var variant = 0; variant < Variants; variant++)
        {
            var (fixture, zones, files) = bases[random.Next(bases.Length)];
            var damaged = new Dictionary<string, string>(files);
            var damages = new List<string>();
            var rounds = 1 + random.Next(3);
            for (var i = 0; i < rounds; i++)
            {
                // zoneinfo and pagetypeinfo are the interesting files; the sysctls get a share too.
                var sysctls = SysctlValue.Names.Where(damaged.ContainsKey).ToArray();
                var file = random.Next(10) < 9 || sysctls.Length == 0 ? ProcFiles[random.Next(ProcFiles.Length)] : sysctls[random.Next(sysctls.Length)];
                var damage = (Damage)random.Next(Enum.GetValues<Damage>().Length);
                damaged[file] = Apply(damage, damaged[file], random);
                damages.Add($"{damage} {file}");
            }

            var zoneName = zones[random.Next(zones.Length)];
            var what = $"variant {variant} of {fixture} (seed {Seed}), zone {zoneName}: {string.Join(", ", damages)}";
            try
            {
                var snapshot = Parse(damaged);
                var import = ProcZoneImporter.Import(snapshot, zoneName);
                var key = Key(import.Image);
                if (!audited.Contains(key))
                {
                    var report = ZoneAuditor.Audit(import.BuildZone());
                    Assert.True(report.IsClean, $"{what}: {report}");
                    audited.Add(key);
                }

                _ = ProcFormulaCheck.Compare(snapshot, zoneName);
                imported++;
            }
            catch (ProcFormatException e)
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Detail), what);
                rejected++;
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                Assert.Fail($"{what}: {e.GetType().Name} escaped: {e}");
            }
        }

        // Meant to stay under 5 s (about 2 s on an idle 2-CPU machine); reported rather than asserted,
        // because a wall-clock bound fails on a loaded machine without saying anything about the code.
        output.WriteLine($"{imported} imported ({audited.Count} distinct zones built and audited), {rejected} rejected, in {clock.Elapsed}");

        // Both outcomes must be exercised, or the damage is too mild or too harsh to test anything.
        Assert.True(imported >= Variants / 20, $"only {imported} of {Variants} variants imported");
        Assert.True(rejected >= Variants / 2, $"only {rejected} of {Variants} variants were rejected");
    }

    private static Dictionary<string, string> LoadFiles(string fixture)
    {
        var dir = ProcFixtures.Dir(fixture);
        var files = new Dictionary<string, string>
        {
            ["zoneinfo"] = File.ReadAllText(Path.Combine(dir, "zoneinfo")),
            ["pagetypeinfo"] = File.ReadAllText(Path.Combine(dir, "pagetypeinfo")),
        };
        var source = ProcSource.FromDirectory(dir);
        foreach (var name in SysctlValue.Names)
        {
            if (source.SysctlPath(name) is { } path)
            {
                files[name] = File.ReadAllText(path);
            }
        }

        return files;
    }

    private static ProcSnapshot Parse(Dictionary<string, string> files)
    {
        var sysctls = VmSysctls.None;
        foreach (var name in SysctlValue.Names.Where(files.ContainsKey))
        {
            sysctls = sysctls.With(SysctlValue.Parse(name, files[name], "/fuzz/" + name));
        }

        return new ProcSnapshot
        {
            Zoneinfo = Zoneinfo.Parse(files["zoneinfo"], "/fuzz/zoneinfo"),
            Pagetypeinfo = Pagetypeinfo.Parse(files["pagetypeinfo"], "/fuzz/pagetypeinfo"),
            Sysctls = sysctls,
        };
    }

    private static string Apply(Damage damage, string text, Random random)
    {
        var lines = text.Split('\n').ToList();
        var line = random.Next(lines.Count);
        switch (damage)
        {
            case Damage.Truncate:
                return text[..random.Next(text.Length + 1)];
            case Damage.ReplaceNumber:
                return ReplaceNumber(text, random);
            case Damage.SwapLines:
                var other = random.Next(lines.Count);
                (lines[line], lines[other]) = (lines[other], lines[line]);
                break;
            case Damage.DuplicateLine:
                lines.Insert(random.Next(lines.Count + 1), lines[line]);
                break;
            case Damage.DeleteLine:
                lines.RemoveAt(line);
                break;
            case Damage.InsertBinary:
                var at = random.Next(text.Length + 1);
                return text[..at] + Binary(random) + text[at..];
            case Damage.ReplaceLineWithBinary:
                lines[line] = Binary(random);
                break;
        }

        return string.Join('\n', lines);
    }

    // One run of digits somewhere in the text becomes junk, a huge, a negative or a random value.
    private static string ReplaceNumber(string text, Random random)
    {
        var starts = new List<int>();
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsAsciiDigit(text[i]) && (i == 0 || !char.IsAsciiDigit(text[i - 1])))
            {
                starts.Add(i);
            }
        }

        if (starts.Count == 0)
        {
            return text;
        }

        var start = starts[random.Next(starts.Count)];
        var end = start;
        while (end < text.Length && char.IsAsciiDigit(text[end]))
        {
            end++;
        }

        var replacement = random.Next(4) switch
        {
            0 => Junk[random.Next(Junk.Length)],
            1 => random.NextInt64(0, 1L << 42).ToString(),
            2 => "-" + random.Next(1, 100000),
            _ => random.Next(0, 1 << 20).ToString(),
        };
        return text[..start] + replacement + text[end..];
    }

    private static string Binary(Random random)
    {
        var sb = new StringBuilder();
        var n = 1 + random.Next(40);
        for (var i = 0; i < n; i++)
        {
            sb.Append((char)random.Next(256));
        }

        return sb.ToString();
    }

    private static string Key(ZoneImage image) =>
        $"{image.Name}|{image.ManagedPages}|{image.Watermarks}|{image.StartPfn}|{string.Join(',', image.BlockCounts)}|{string.Join(',', image.FreeChunks.Cast<long>())}";
}
