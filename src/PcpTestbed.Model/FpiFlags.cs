namespace PcpTestbed.Model;

/// <summary>fpi_t: flags for the internal free functions.</summary>
[Flags]
public enum FpiFlags
{
    None = 0,

    /// <summary>FPI_TO_TAIL: put the (possibly merged) page on the tail of its free list.</summary>
    ToTail = 1 << 1,
}
