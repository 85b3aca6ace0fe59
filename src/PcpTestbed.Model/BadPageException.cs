namespace PcpTestbed.Model;

/// <summary>Why a free was refused (the reasons bad_page() and free_pages_prepare() report).</summary>
public enum BadPageReason
{
    /// <summary>The pfn is outside the zone.</summary>
    OutsideZone,

    /// <summary>The order is not in 0..MAX_PAGE_ORDER.</summary>
    OrderOutOfRange,

    /// <summary>The pfn is not aligned to the order.</summary>
    Misaligned,

    /// <summary>The page is already free: on a free list or a PCP list.</summary>
    DoubleFree,

    /// <summary>The page is not the head of an allocated chunk (inside one, or reserved, or in flight).</summary>
    NotAllocated,

    /// <summary>The page is allocated at another order.</summary>
    WrongOrder,

    /// <summary>check_new_page(): a page taken off a list, or handed out, is not in the state that list implies.</summary>
    NotFree,
}

/// <summary>
/// Allocator misuse, detected before any state changed (mm/page_alloc.c bad_page()): the zone is
/// exactly as it was, and its auditor stays clean. <see cref="BadPageReason.NotFree"/> is the other
/// side, check_new_page(): the allocator itself is about to hand out a page that is not free, which
/// only a broken design or a race can cause.
/// </summary>
public sealed class BadPageException : Exception
{
    public BadPageException(long pfn, int order, BadPageReason reason, string detail)
        : base($"BUG: Bad page state: pfn:{pfn:x} order:{order}: {Describe(reason)}: {detail}")
    {
        Pfn = pfn;
        Order = order;
        Reason = reason;
    }

    /// <summary>The absolute pfn the caller passed.</summary>
    public long Pfn { get; }

    public int Order { get; }

    public BadPageReason Reason { get; }

    private static string Describe(BadPageReason reason) => reason switch
    {
        BadPageReason.OutsideZone => "pfn outside the zone",
        BadPageReason.OrderOutOfRange => $"order outside 0..{PageAlloc.MaxPageOrder}",
        BadPageReason.Misaligned => "pfn not aligned to the order",
        BadPageReason.DoubleFree => "double free",
        BadPageReason.NotAllocated => "freeing a page that is not allocated",
        BadPageReason.WrongOrder => "freed at a different order than allocated",
        BadPageReason.NotFree => "check_new_page: not free where the allocator took it from",
        _ => reason.ToString(),
    };
}
