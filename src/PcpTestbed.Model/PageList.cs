using System.Runtime.CompilerServices;

namespace PcpTestbed.Model;

/// <summary>
/// Operations on intrusive page lists (include/linux/list.h over the pfn-indexed page array).
/// The caller holds the lock that guards both the list and the pages.
/// </summary>
public static class PageList
{
    /// <summary>list_add(): insert at the head.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddHead(Page[] pages, ref ListHead list, int index)
    {
        ref var page = ref pages[index];
        var link = index + 1;
        page.PrevLink = 0;
        page.NextLink = list.FirstLink;
        if (list.FirstLink != 0)
        {
            pages[list.FirstLink - 1].PrevLink = link;
        }
        else
        {
            list.LastLink = link;
        }

        list.FirstLink = link;
    }

    /// <summary>list_add_tail(): insert at the tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddTail(Page[] pages, ref ListHead list, int index)
    {
        ref var page = ref pages[index];
        var link = index + 1;
        page.NextLink = 0;
        page.PrevLink = list.LastLink;
        if (list.LastLink != 0)
        {
            pages[list.LastLink - 1].NextLink = link;
        }
        else
        {
            list.FirstLink = link;
        }

        list.LastLink = link;
    }

    /// <summary>list_del(): unlink a page that is on <paramref name="list"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Remove(Page[] pages, ref ListHead list, int index)
    {
        ref var page = ref pages[index];
        if (page.PrevLink != 0)
        {
            pages[page.PrevLink - 1].NextLink = page.NextLink;
        }
        else
        {
            list.FirstLink = page.NextLink;
        }

        if (page.NextLink != 0)
        {
            pages[page.NextLink - 1].PrevLink = page.PrevLink;
        }
        else
        {
            list.LastLink = page.PrevLink;
        }

        page.NextLink = 0;
        page.PrevLink = 0;
    }

    /// <summary>The page after <paramref name="index"/>, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Next(Page[] pages, int index) => pages[index].NextLink - 1;

    /// <summary>The page before <paramref name="index"/>, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Prev(Page[] pages, int index) => pages[index].PrevLink - 1;

    /// <summary>
    /// For singly linked stacks built by CAS (a lock-free remote-free list): points a page's next link at
    /// another page's link value (index + 1, or 0 for none). The page must not be on a list.
    /// </summary>
    public static void SetStackNext(Page[] pages, int index, int nextLink)
    {
        pages[index].NextLink = nextLink;
        pages[index].PrevLink = 0;
    }

    /// <summary>The next link value of a page on a singly linked stack (index + 1, or 0).</summary>
    public static int StackNext(Page[] pages, int index) => pages[index].NextLink;

    /// <summary>Counts the pages on a list, stopping at <paramref name="limit"/> (a corrupted list may cycle).</summary>
    public static int Count(Page[] pages, in ListHead list, int limit = int.MaxValue)
    {
        var n = 0;
        for (var i = list.First; i >= 0 && n < limit; i = Next(pages, i))
        {
            n++;
        }

        return n;
    }
}
