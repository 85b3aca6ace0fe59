namespace PcpTestbed.Model.Layout;

/// <summary>
/// A zone's whole state at a quiescent point, exactly: the page array (states, orders, tags and list links, so every free
/// list and PCP list in its order), the pageblocks (migratetypes, owners, owned_blocks links, zone-free counts), the free
/// list heads and counts, the vmstat counters, the highatomic reserve, the watermark boost, the zone's flags and the owned
/// blocks' list heads. Taken by <see cref="Zone.SaveSnapshot"/> into reused arrays (it is taken at every clean audit of a run
/// whose flight recorder is on) and written back by <see cref="Zone.RestoreSnapshot"/> into a zone of the same spec.
/// </summary>
/// <remarks>
/// Left out, because no decision reads them: the fallback event counters (<see cref="Zone.Events"/>), the work tally the
/// virtual-time engine charges, the ownership release count; and what the spec and the allocator's config set and nothing
/// changes while a run goes (present and managed pages, the lowmem reserve, the boost factor, the seam, DEBUG_VM's warnings).
/// </remarks>
public sealed class ZoneSnapshot
{
    public ZoneSnapshot(int presentPages, int cpus)
    {
        Pages = new Page[presentPages];
        Blocks = new Pageblock[presentPages / PageAlloc.PageblockNrPages];
        FreeLists = new ListHead[PageAlloc.NrPageOrders * MigrateTypes.Count];
        NrFree = new long[PageAlloc.NrPageOrders];
        NrFreeByType = new long[PageAlloc.NrPageOrders * MigrateTypes.Count];
        OwnedLists = new int[3 * cpus];
    }

    public Page[] Pages { get; }

    public Pageblock[] Blocks { get; }

    /// <summary>free_area[order].free_list[mt] at [order * MigrateTypes.Count + mt].</summary>
    public ListHead[] FreeLists { get; }

    public long[] NrFree { get; }

    public long[] NrFreeByType { get; }

    /// <summary>Each CPU's owned_blocks list: first link, last link, length at [3 * cpu ..]; all zero when the zone tracks no ownership.</summary>
    public int[] OwnedLists { get; }

    /// <summary>Whether the zone tracked pageblock ownership (a pageblock design).</summary>
    public bool Ownership { get; set; }

    public long NrFreePages { get; set; }

    public long NrFreeCmaPages { get; set; }

    public long NrFreeHighatomic { get; set; }

    public long NrReservedHighatomic { get; set; }

    public long NrReservedHighatomicPeak { get; set; }

    public long HighatomicCapOvershoot { get; set; }

    public long WatermarkBoost { get; set; }

    /// <summary>zone->flags (<see cref="ZoneFlags"/>).</summary>
    public int Flags { get; set; }

    public Watermarks Watermarks { get; set; }

    public int Cpus => OwnedLists.Length / 3;
}
