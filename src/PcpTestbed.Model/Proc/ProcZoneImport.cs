using PcpTestbed.Model.Layout;

namespace PcpTestbed.Model.Proc;

/// <summary>
/// A zone imported from /proc: the <see cref="ZoneImage"/> to build, and what it was made from, so
/// a caller can show where the image and the files differ.
/// </summary>
public sealed record ProcZoneImport
{
    public required ZoneImage Image { get; init; }

    public required ZoneinfoZone Zoneinfo { get; init; }

    public required PagetypeinfoZone Pagetypeinfo { get; init; }

    public required ProcSnapshot Snapshot { get; init; }

    /// <summary>Things a reader of the image should know: deferred pages left out, capped counts, boost removed.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>The pages of the zone's pageblocks: the image's present pages.</summary>
    public long PresentPages => Image.PresentPages;

    public long ManagedPages => Image.ManagedPages;

    /// <summary>Present but not managed: memblock reservations, struct pages, holes inside pageblocks.</summary>
    public long ReservedPages => PresentPages - ManagedPages;

    /// <summary>zoneinfo's "pages free" (NR_FREE_PAGES) at the instant it was read.</summary>
    public long ZoneinfoFreePages => Zoneinfo.PagesFree;

    /// <summary>The free pages the pagetypeinfo table adds up to, read at another instant: the image's free pages.</summary>
    public long PagetypeinfoFreePages => Pagetypeinfo.FreePages();

    /// <summary>
    /// Lays the image out as a zone (<see cref="ZoneBuilder.BuildImage"/>).
    /// </summary>
    /// <exception cref="ProcFormatException">
    /// The counts cannot form a zone a buddy allocator would leave behind; the message points at
    /// the zone's first pagetypeinfo row and says which count is impossible.
    /// </exception>
    public Zone BuildZone()
    {
        try
        {
            return ZoneBuilder.BuildImage(Image);
        }
        catch (FormatException e) when (e is not ProcFormatException)
        {
            throw new ProcFormatException(Snapshot.Pagetypeinfo.Path, Pagetypeinfo.FirstFreeRowLine,
                $"expected free-page and pageblock counts a buddy allocator could hold, got counts that cannot be laid out: {e.Message}", e);
        }
    }
}
