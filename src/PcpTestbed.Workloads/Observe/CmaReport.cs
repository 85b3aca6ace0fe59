using PcpTestbed.Designs;

namespace PcpTestbed.Workloads.Observe;

/// <summary>
/// The RFC's CMA review asked: "Have you tested this with a zone that has a large amount of CMA in it and checked the
/// percentages?" These are the percentages, as fractions: how much of the free memory was CMA over the run (from the
/// samples), and how the movable allocations made while free CMA exceeded half of free memory (when __rmqueue() takes
/// CMA first) were served.
/// </summary>
/// <param name="FreeShareMean">Mean over the samples of NR_FREE_CMA_PAGES / NR_FREE_PAGES; null when no sample had free pages.</param>
/// <param name="MovableAllocationsWhileCmaOverHalf">Movable allocations made while NR_FREE_CMA_PAGES &gt; NR_FREE_PAGES / 2, read racily at the allocation as __rmqueue() reads them.</param>
/// <param name="FromCmaBlocks">Of those, the allocations served from a CMA pageblock.</param>
/// <param name="FromCmaShare"><see cref="FromCmaBlocks"/> / <see cref="MovableAllocationsWhileCmaOverHalf"/>; null when there were none.</param>
public sealed record CmaReport(
    double? FreeShareMean,
    double? FreeShareMin,
    double? FreeShareMax,
    long MovableAllocationsWhileCmaOverHalf,
    long FromCmaBlocks,
    double? FromCmaShare)
{
    public static CmaReport From(IReadOnlyList<FreePageSample> samples, AllocatorStats stats)
    {
        var shares = samples.Where(s => s.NrFreePages > 0).Select(s => (double)s.NrFreeCma / s.NrFreePages).ToList();
        var over = stats.MovableAllocsCmaOverHalf;
        var fromCma = stats.MovableAllocsCmaOverHalfFromCma;
        return new CmaReport(
            shares.Count == 0 ? null : shares.Average(),
            shares.Count == 0 ? null : shares.Min(),
            shares.Count == 0 ? null : shares.Max(),
            over,
            fromCma,
            over == 0 ? null : (double)fromCma / over);
    }
}
