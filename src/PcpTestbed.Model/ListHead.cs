namespace PcpTestbed.Model;

/// <summary>
/// The head of an intrusive doubly linked list of pages linked through <see cref="Page"/>'s links
/// (struct list_head). Links hold pfn index + 1 so that a zeroed head or page is unlinked.
/// </summary>
public struct ListHead // do not make readonly: list operations update it in place
{
    internal int FirstLink;
    internal int LastLink;

    public readonly bool IsEmpty => FirstLink == 0;

    /// <summary>The first page's index, or -1.</summary>
    public readonly int First => FirstLink - 1;

    /// <summary>The last page's index, or -1.</summary>
    public readonly int Last => LastLink - 1;
}
