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

        foreach (var l in locks)
        {
            AssertDutyAndTrylockCollisions(run, l);
        }

        AssertVmstatAndFreePages(run);
    }

    /// <summary>
    /// Issue 13 item 4: each CPU's duty on the class, in [0, 1], zone->lock's utilisation their sum; every failed trylock
    /// attributed to a site that held the lock, the attributions adding up both ways.
    /// </summary>
    public static void AssertDutyAndTrylockCollisions(JsonElement run, JsonElement lockClass)
    {
        var name = lockClass.GetProperty("name").GetString();
        var duty = lockClass.GetProperty("duty");
        var cpus = duty.GetProperty("cpus").EnumerateArray().ToList();
        var emulated = run.GetProperty("cpus").GetInt32() + (run.TryGetProperty("kswapdCpu", out _) ? 1 : 0);
        Assert.Equal(emulated, cpus.Count);
        Assert.All(cpus, c => Assert.InRange(c.GetProperty("duty").GetDouble(), 0, 1));
        Assert.Equal(cpus.Min(c => c.GetProperty("duty").GetDouble()), duty.GetProperty("min").GetDouble());
        Assert.Equal(cpus.Max(c => c.GetProperty("duty").GetDouble()), duty.GetProperty("max").GetDouble());
        foreach (var f in (string[])["seconds", "mean", "holdEstimatedNs", "fewSamples"])
        {
            Assert.True(duty.TryGetProperty(f, out _), $"{name} duty has no '{f}'");
        }

        if (name == "zone->lock")
        {
            Assert.Equal(cpus.Sum(c => c.GetProperty("duty").GetDouble()), duty.GetProperty("utilisation").GetDouble(), 9);
        }
        else
        {
            Assert.False(duty.TryGetProperty("utilisation", out _), $"{name} is a lock per CPU: no single lock's utilisation");
        }

        var sites = lockClass.GetProperty("sites").EnumerateArray().ToList();
        var takers = sites.Where(s => s.GetProperty("acquisitions").GetInt64() > 0).Select(s => s.GetProperty("name").GetString()).ToHashSet();
        long caused = 0;
        foreach (var s in sites)
        {
            var collisions = s.GetProperty("trylockCollisions").EnumerateArray().ToList();
            Assert.Equal(s.GetProperty("trylockFailures").GetInt64(), collisions.Sum(x => x.GetProperty("count").GetInt64()));
            Assert.All(collisions, x => Assert.Contains(x.GetProperty("holder").GetString(), takers));
            caused += s.GetProperty("trylockFailuresCaused").GetInt64();
        }

        Assert.Equal(lockClass.GetProperty("trylockFailures").GetInt64(), caused);
    }

    /// <summary>vmstat counters that add up, a sampled free-page timeline that moves forward, and the CMA report.</summary>
    public static void AssertVmstatAndFreePages(JsonElement run)
    {
        var v = run.GetProperty("vmstat");
        var pgalloc = v.GetProperty("pgalloc").GetInt64();
        var pgfree = v.GetProperty("pgfree").GetInt64();
        Assert.Equal(run.GetProperty("allocatedPages").GetInt64(), pgalloc);
        Assert.Equal(run.GetProperty("freedPages").GetInt64(), pgfree);
        Assert.Equal(run.GetProperty("heldPages").GetInt64() - run.GetProperty("prefilledPages").GetInt64(), pgalloc - pgfree);
        Assert.Equal(pgalloc, v.GetProperty("pgallocByMigratetype").EnumerateObject().Sum(x => x.Value.GetInt64()));
        Assert.Equal(pgfree, v.GetProperty("pgfreeByMigratetype").EnumerateObject().Sum(x => x.Value.GetInt64()));
        foreach (var counter in (string[])["nrFreePages", "nrFreeCma", "nrFreeHighatomic", "nrReservedHighatomic"])
        {
            var c = v.GetProperty(counter);
            Assert.True(c.GetProperty("min").GetInt64() <= c.GetProperty("end").GetInt64() && c.GetProperty("end").GetInt64() <= c.GetProperty("max").GetInt64(), $"{counter}: {c}");
        }

        var free = run.GetProperty("freePages");
        var samples = free.GetProperty("samples").EnumerateArray().ToList();
        Assert.True(samples.Count >= 2, "a start and an end sample at least");
        Assert.Equal(0, samples[0].GetProperty("seconds").GetDouble());
        for (var i = 1; i < samples.Count; i++)
        {
            Assert.True(samples[i].GetProperty("seconds").GetDouble() > samples[i - 1].GetProperty("seconds").GetDouble(), $"sample {i} is not later");
        }

        Assert.Equal(v.GetProperty("nrFreePages").GetProperty("end").GetInt64(), samples[^1].GetProperty("nrFreePages").GetInt64());
        var nrFree = samples[^1].GetProperty("nrFree");
        Assert.Equal(["unmovable", "movable", "reclaimable", "highatomic", "cma", "isolate"], nrFree.EnumerateObject().Select(x => x.Name));
        Assert.All(nrFree.EnumerateObject(), x => Assert.Equal(11, x.Value.GetArrayLength()));
        Assert.Equal(6, free.GetProperty("byMigratetype").EnumerateObject().Count());

        var cma = run.GetProperty("cma");
        foreach (var f in (string[])["movableAllocationsWhileCmaOverHalf", "fromCmaBlocks"])
        {
            Assert.True(cma.TryGetProperty(f, out _), $"cma has no '{f}'");
        }

        Assert.InRange(cma.GetProperty("fromCmaBlocks").GetInt64(), 0, cma.GetProperty("movableAllocationsWhileCmaOverHalf").GetInt64());
    }

    public static JsonElement Lock(JsonElement run, string name) =>
        run.GetProperty("locks").EnumerateArray().First(l => l.GetProperty("name").GetString() == name);
}
