namespace PcpTestbed.Designs;

/// <summary>
/// One entry of a folio_batch handed to free_unref_folios(): the absolute pfn of an allocated chunk's head and
/// its order, as <see cref="IPageAllocator.Free"/> takes them.
/// </summary>
public readonly record struct Folio(long Pfn, int Order);
