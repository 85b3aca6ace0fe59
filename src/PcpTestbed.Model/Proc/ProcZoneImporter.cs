using PcpTestbed.Model.Layout;

namespace PcpTestbed.Model.Proc;

/// <summary>
/// Turns one zone of a <see cref="ProcSnapshot"/> into a <see cref="ZoneImage"/>: managed pages and
/// watermarks from zoneinfo, pageblocks and free chunks per migratetype from pagetypeinfo.
/// </summary>
public static class ProcZoneImporter
{
    public const string DefaultZone = "Normal";

    /// <summary>The largest zone the testbed holds, in pageblocks.</summary>
    public const int MaxPageblocks = ZoneSpec.MaxPresentPages / PageAlloc.PageblockNrPages;

    /// <summary>
    /// Imports zone <paramref name="zoneName"/> of node <paramref name="node"/>.
    /// <para>
    /// The image's present pages are the pageblocks pagetypeinfo counts (blocks × 512), not
    /// zoneinfo's present: with deferred struct page init (deferred_init=lazy) a zone spans far more
    /// than it has initialised, and only initialised pageblocks are counted and hold free pages.
    /// Managed pages must fit in those blocks; the rest of the blocks are reserved pages.
    /// </para>
    /// <para>
    /// The free chunks come from the pagetypeinfo table, which is what the layout must reproduce;
    /// zoneinfo's "pages free" was read at another instant and is only reported.
    /// </para>
    /// </summary>
    /// <exception cref="ProcFormatException">The zone is not there, or its numbers cannot make a testbed zone.</exception>
    public static ProcZoneImport Import(ProcSnapshot snapshot, string zoneName = DefaultZone, int node = 0)
    {
        var zi = snapshot.RequireZone(node, zoneName);
        var pt = snapshot.RequirePagetypeinfoZone(zi);
        var ptPath = snapshot.Pagetypeinfo.Path;
        var ziPath = snapshot.Zoneinfo.Path;

        var blocks = pt.NrPageblocks;
        if (blocks == 0)
        {
            throw new ProcFormatException(ptPath, pt.BlocksLine, $"expected at least one pageblock for node {node} zone {zi.Name}, got none");
        }

        if (blocks > MaxPageblocks)
        {
            throw new ProcFormatException(ptPath, pt.BlocksLine,
                $"expected at most {MaxPageblocks} pageblocks (64 GiB, the largest zone the testbed models) for zone {zi.Name}, got {blocks}");
        }

        var presentPages = blocks * PageAlloc.PageblockNrPages;
        if (zi.Managed == 0)
        {
            throw new ProcFormatException(ziPath, zi.LineOf("managed"), $"expected managed pages for zone {zi.Name}, got 0: the zone is empty");
        }

        if (zi.Managed > presentPages)
        {
            throw new ProcFormatException(ziPath, zi.LineOf("managed"),
                $"expected managed ≤ {presentPages}, the pages of the {blocks} pageblocks {ptPath}:{pt.BlocksLine} counts for zone {zi.Name}, got {zi.Managed}");
        }

        var notes = new List<string>();
        var image = new ZoneImage
        {
            Name = zi.Name,
            BlockCounts = pt.BlockCounts.Select(c => (int)c).ToArray(),
            FreeChunks = (long[,])pt.FreeChunks.Clone(),
            ManagedPages = zi.Managed,
            Watermarks = zi.UnboostedWatermarks,
            StartPfn = ImageStartPfn(zi, notes),
        };

        if (zi.Present > presentPages + PageAlloc.PageblockNrPages)
        {
            notes.Add($"zoneinfo shows present {zi.Present} but pagetypeinfo counts {blocks} pageblocks ({presentPages} pages): " +
                      "the rest is not initialised yet (deferred struct page init); the image holds the initialised blocks");
        }

        notes.Add($"free pages: zoneinfo 'pages free' {zi.PagesFree}, pagetypeinfo table {pt.FreePages()} " +
                  "(read at different instants; the image follows the table)");
        if (pt.AnyCapped)
        {
            notes.Add("some free counts were printed as '>100000' (the kernel stops counting a list there); the image uses 100000");
        }

        if (zi.Boost > 0)
        {
            notes.Add($"watermark boost {zi.Boost} is left out: /proc adds it to every mark, the image keeps zone->_watermark[]");
        }

        if (zi.Promo == null)
        {
            notes.Add("zoneinfo has no promo line (a kernel before 6.1); the image's promo is high + (high - low)");
        }

        return new ProcZoneImport { Image = image, Zoneinfo = zi, Pagetypeinfo = pt, Snapshot = snapshot, Notes = notes };
    }

    /// <summary>Reads the source and imports a zone.</summary>
    public static ProcZoneImport Import(ProcSource source, string zoneName = DefaultZone, int node = 0) =>
        Import(source.Read(), zoneName, node);

    // The model's zone starts on a MAX_ORDER_NR_PAGES boundary (so buddy pfns match); the kernel's
    // blocks are counted from zone_start_pfn, which the round-down keeps inside the first block.
    private static int ImageStartPfn(ZoneinfoZone zi, List<string> notes)
    {
        if (zi.StartPfn is not { } start)
        {
            return 0;
        }

        var aligned = start & ~(long)(PageAlloc.MaxOrderNrPages - 1);
        if (aligned > int.MaxValue - ZoneSpec.MaxPresentPages)
        {
            notes.Add($"start_pfn {start} is beyond the model's pfn range; the image starts at pfn 0");
            return 0;
        }

        if (aligned != start)
        {
            notes.Add($"start_pfn {start} is rounded down to {aligned} (the model's zones start on a MAX_ORDER_NR_PAGES boundary)");
        }

        return (int)aligned;
    }
}
