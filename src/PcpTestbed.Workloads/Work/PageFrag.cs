using PcpTestbed.Model;

namespace PcpTestbed.Workloads.Work;

/// <summary>
/// How many received packets one page_frag refill serves. __napi_alloc_skb() (net/core/skbuff.c) asks page_frag for
/// len + NET_SKB_PAD (64) + NET_IP_ALIGN (0 on x86), aligned, plus the aligned skb_shared_info (320 B): a 1500-byte MTU
/// frame (1514 B) takes 1,920 B. The page goes back to the allocator when its last fragment is put.
/// </summary>
public static class PageFrag
{
    /// <summary>Bytes of one 1500-MTU packet's fragment.</summary>
    public const int FragmentBytes = 1920;

    /// <summary>Packets an order-<paramref name="order"/> refill serves: 2 at order 0, 4 at order 1, 17 at order 3 (mainline's PAGE_FRAG_CACHE_MAX_ORDER).</summary>
    public static int Packets(int order) => Math.Max(1, (PageAlloc.PageSizeBytes << order) / FragmentBytes);
}
