namespace PcpTestbed.Highatomic.Tests;

/// <summary>Which attempt of __alloc_pages() serves a request in a test.</summary>
public enum AllocPath
{
    /// <summary>get_page_from_freelist() with ALLOC_WMARK_LOW (plus whatever the variant adds).</summary>
    Fast,

    /// <summary>__alloc_pages_slowpath(): gfp_to_alloc_flags() with ALLOC_WMARK_MIN.</summary>
    Slow,
}
