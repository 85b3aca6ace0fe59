using System.Text.Json;

namespace PcpTestbed.Stress.Tests.Support;

/// <summary>Checks a run's JSON against the schema issue 6 asks for (item 4) and against itself.</summary>
public static class RunJson
{
    private static readonly string[] TopFields =
        ["design", "workload", "cpus", "seconds", "allocations", "frees", "failures", "opsPerSecond", "locks", "refill", "remoteFrees", "sources",
         "highatomic", "audits", "invariantViolations", "allocatedPages", "freedPages", "heldPages", "pagesLost"];

    private static readonly string[] LockFields = ["name", "acquisitions", "contentions", "bounces", "waitNs", "holdNs", "sites"];

    private static readonly string[] TimeFields = ["min", "max", "total", "mean", "p50", "p99", "p999"];

    private static readonly string[] HighatomicFields = ["reservedPages", "reserveEvents", "fastpathHits", "misses"];

    /// <summary>Every field is there, the audits found nothing, and the numbers agree with each other.</summary>
    public static void AssertValid(JsonElement run)
    {
        foreach (var f in TopFields)
        {
            Assert.True(run.TryGetProperty(f, out _), $"run JSON has no '{f}'");
        }

        var locks = run.GetProperty("locks").EnumerateArray().ToList();
        Assert.Equal(["zone->lock", "pcp->lock"], locks.Select(l => l.GetProperty("name").GetString()));
        foreach (var l in locks)
        {
            foreach (var f in LockFields)
            {
                Assert.True(l.TryGetProperty(f, out _), $"lock JSON has no '{f}'");
            }

            foreach (var kind in (string[])["waitNs", "holdNs"])
            {
                foreach (var f in TimeFields)
                {
                    Assert.True(l.GetProperty(kind).TryGetProperty(f, out _), $"{kind} has no '{f}'");
                }
            }

            // The class is the sum of its sites.
            var sites = l.GetProperty("sites").EnumerateArray().ToList();
            Assert.Equal(l.GetProperty("acquisitions").GetInt64(), sites.Sum(s => s.GetProperty("acquisitions").GetInt64()));
            Assert.Equal(l.GetProperty("contentions").GetInt64(), sites.Sum(s => s.GetProperty("contentions").GetInt64()));
        }

        foreach (var p in (string[])["p0", "p1", "p2", "p3"])
        {
            Assert.True(run.GetProperty("refill").TryGetProperty(p, out _), $"refill has no '{p}'");
        }

        foreach (var f in HighatomicFields)
        {
            Assert.True(run.GetProperty("highatomic").TryGetProperty(f, out _), $"highatomic has no '{f}'");
        }

        Assert.Equal(0, run.GetProperty("invariantViolations").GetInt64());
        Assert.Equal(0, run.GetProperty("pagesLost").GetInt64());
        Assert.True(run.GetProperty("audits").GetInt32() >= 2, "a run audits at least at the end and after the release");

        // allocations - frees = pages still held (the page cache a pressure run set up beforehand is held too).
        var held = run.GetProperty("allocatedPages").GetInt64() - run.GetProperty("freedPages").GetInt64() + run.GetProperty("prefilledPages").GetInt64();
        Assert.Equal(held, run.GetProperty("heldPages").GetInt64());

        var ops = run.GetProperty("allocations").GetInt64() + run.GetProperty("frees").GetInt64();
        var seconds = run.GetProperty("seconds").GetDouble();
        Assert.True(seconds > 0);
        Assert.Equal(ops / seconds, run.GetProperty("opsPerSecond").GetDouble(), 6);
        Assert.True(run.GetProperty("failures").GetInt64() >= 0);

        // Pages served by block type add up to the pages allocated.
        var served = run.GetProperty("sources").EnumerateObject().Sum(s => s.Value.GetInt64());
        Assert.Equal(run.GetProperty("allocatedPages").GetInt64(), served);
    }

    public static JsonElement Lock(JsonElement run, string name) =>
        run.GetProperty("locks").EnumerateArray().First(l => l.GetProperty("name").GetString() == name);
}
