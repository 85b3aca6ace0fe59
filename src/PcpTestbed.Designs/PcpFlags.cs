namespace PcpTestbed.Designs;

/// <summary>pcp->flags (PCPF_*).</summary>
[Flags]
public enum PcpFlags : byte
{
    None = 0,

    /// <summary>PCPF_PREV_FREE_HIGH_ORDER: the previous free was of order 1..PAGE_ALLOC_COSTLY_ORDER.</summary>
    PrevFreeHighOrder = 1 << 0,

    /// <summary>PCPF_FREE_HIGH_BATCH: the CPU's cache slice is large enough to keep a batch when freeing high orders.</summary>
    FreeHighBatch = 1 << 1,
}
