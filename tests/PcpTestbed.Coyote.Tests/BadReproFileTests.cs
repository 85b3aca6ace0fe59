using System.IO.Compression;
using System.Text;
using PcpTestbed.Coyote.Repro;

namespace PcpTestbed.Coyote.Tests;

/// <summary>A damaged or foreign reproduction file is refused with what is wrong, naming the file.</summary>
public class BadReproFileTests
{
    private const string Good =
        "{\"format\":\"pcptestbed-repro\",\"formatVersion\":1,\"design\":\"mainline\",\"bugs\":[],\"workload\":\"mixed\",\"seed\":1,\"cpus\":1," +
        "\"zone\":\"16M\",\"highatomic\":\"2026-05\",\"violation\":\"[lockdep] x\",\"invariant\":\"lockdep\",\"windowComplete\":true," +
        "\"lostBeforeWindow\":[0],\"ringEntries\":16,\"pages\":[],\"operations\":[[{\"seq\":0,\"op\":\"alloc\",\"order\":0,\"gfp\":3264,\"page\":0}]]}";

    public static TheoryData<string, string> Damaged => new()
    {
        { "not json at all", "is not valid JSON" },
        { "{\"format\":\"something-else\"}", "is not a PcpTestbed reproduction file" },
        { "{\"formatVersion\":3,\"engine\":\"dfs\"}", "is not a PcpTestbed reproduction file" },
        { Good.Replace("\"formatVersion\":1", "\"formatVersion\":9", StringComparison.Ordinal), "has formatVersion 9; this build reads version 1 only" },
        { Good.Replace("\"mainline\"", "\"nosuch\"", StringComparison.Ordinal), "unknown design 'nosuch'" },
        { Good.Replace("\"bugs\":[]", "\"bugs\":[\"nosuch\"]", StringComparison.Ordinal), "unknown injected bug 'nosuch'" },
        { Good.Replace("\"16M\"", "\"Normal zone of node 0 from /proc\"", StringComparison.Ordinal), "cannot be rebuilt" },
        { Good.Replace("\"cpus\":1", "\"cpus\":2", StringComparison.Ordinal), "operation lists for 2 CPUs" },
        { Good.Replace("\"op\":\"alloc\"", "\"op\":\"teleport\"", StringComparison.Ordinal), "bad operation teleport" },
        { Good.Replace("\"order\":0", "\"order\":99", StringComparison.Ordinal), "missing or out-of-range fields" },
        { Good.Replace(",\"seed\":1", "", StringComparison.Ordinal), "wrong type" },
    };

    [Theory]
    [MemberData(nameof(Damaged))]
    public void A_damaged_file_is_refused_naming_the_problem(string text, string problem)
    {
        using var temp = new TempDirectory();
        var path = Write(temp, Encoding.UTF8.GetBytes(text));
        var e = Assert.Throws<ReproFormatException>(() => ReproFile.Load(path));
        Assert.Contains(problem, e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Truncated_gzip_is_refused_and_whole_gzip_loads()
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(Good));
        }

        var bytes = buffer.ToArray();
        using var temp = new TempDirectory();
        Assert.Equal("lockdep", ReproFile.Load(Write(temp, bytes)).Invariant);
        var e = Assert.Throws<ReproFormatException>(() => ReproFile.Load(Write(temp, bytes[..(bytes.Length / 2)])));
        Assert.Contains("damaged gzip", e.Message);
    }

    [Fact]
    public void A_missing_file_is_refused()
    {
        var e = Assert.Throws<ReproFormatException>(() => ReproFile.Load(Path.Combine(Path.GetTempPath(), "no-such-dir-15", "x.repro.json.gz")));
        Assert.Contains("cannot be read", e.Message);
    }

    private static string Write(TempDirectory temp, byte[] bytes)
    {
        var path = temp.NewFile(".repro.json.gz");
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
