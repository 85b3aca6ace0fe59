using PcpTestbed.Designs;
using PcpTestbed.Model;

namespace PcpTestbed.Coyote.Scenarios;

/// <summary>Things most scenarios share: the GFP masks they use, the design lists, and setup helpers.</summary>
internal static class ScenarioHelpers
{
    /// <summary>A blocking movable request (ALLOC_CMA on the slow and fast paths).</summary>
    public const Gfp Movable = Gfp.HighUserMovable;

    public const Gfp Unmovable = Gfp.Kernel;

    public static readonly IReadOnlyList<DesignKind> AllDesigns = [.. Designs.Designs.All];

    public static readonly IReadOnlyList<DesignKind> PageblockDesigns = [.. Designs.Designs.All.Where(Designs.Designs.IsPageblock)];

    /// <summary>Allocates in setup and insists it works: a scenario whose setup fails tests nothing.</summary>
    public static long MustAlloc(ScenarioRun run, int cpu, Gfp gfp, int order)
    {
        var pfn = run.Alloc(cpu, gfp, order);
        if (pfn < 0)
        {
            run.Fail($"[scenario] setup: CPU {cpu} could not allocate an order-{order} page ({ScenarioRun.GfpName(gfp)})");
        }

        return pfn;
    }

    /// <summary>Fills <paramref name="pfns"/> with order-0 movable pages <paramref name="cpu"/> allocates, in order (set-up).</summary>
    public static void MustAllocEach(ScenarioRun run, int cpu, long[] pfns)
    {
        for (var i = 0; i < pfns.Length; i++)
        {
            pfns[i] = MustAlloc(run, cpu, Movable, 0);
        }
    }

    /// <summary>Frees a chunk an allocation in a script returned, unless the allocation failed (-1).</summary>
    public static void FreeIfAllocated(ScenarioRun run, int cpu, long pfn, int order = 0)
    {
        if (pfn >= 0)
        {
            run.Free(cpu, pfn, order);
        }
    }

    /// <summary>The pageblock a pfn (absolute) lies in.</summary>
    public static int BlockOf(ScenarioRun run, long pfn) => run.Zone.RelativePfn(pfn) >> PageAlloc.PageblockOrder;

    /// <summary>The pageblock's owner CPU, or -1.</summary>
    public static int OwnerOf(ScenarioRun run, long pfn) => run.Zone.Blocks[BlockOf(run, pfn)].Owner;
}
