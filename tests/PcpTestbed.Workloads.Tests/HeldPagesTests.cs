using PcpTestbed.Designs;
using PcpTestbed.Workloads.Support;

namespace PcpTestbed.Workloads.Tests;

/// <summary>A CPU's holdings: a ring of packed entries that gives back every chunk as it was pushed, in the order asked.</summary>
public class HeldPagesTests
{
    [Fact]
    public void Chunks_come_back_whole_oldest_or_newest_first_and_the_pages_add_up()
    {
        var held = new HeldPages(capacity: 4);
        HeldChunk[] chunks = [new(0, 0), new((1L << 40) + 7, 10), new(12345, 3), new(98, 1), new(0x7FFF_FFFF_FFF, 9)];
        foreach (var c in chunks)
        {
            held.Push(c); // a ring holds at least 16: growing is the next test's
        }

        Assert.Equal(chunks.Sum(c => c.Pages), held.Pages);
        Assert.Equal(chunks, held.Snapshot());
        Assert.Equal(chunks[0], held.PopOldest());
        Assert.Equal(chunks[4], held.PopNewest());

        Span<Folio> batch = new Folio[2];
        held.PopFolios(batch, newest: false);
        Assert.Equal([chunks[1].AsFolio, chunks[2].AsFolio], batch.ToArray());
        Assert.Equal(chunks[3].Pages, held.Pages);
        Assert.Equal(1, held.Count);

        held.Push(chunks[4]);
        held.PopFolios(batch, newest: true);
        Assert.Equal([chunks[4].AsFolio, chunks[3].AsFolio], batch.ToArray());
        Assert.Equal(0, held.Pages);
        Assert.Throws<ArgumentOutOfRangeException>(() => held.PopFolios(new Folio[1], newest: false));
    }

    [Fact]
    public void A_ring_wrapped_many_times_keeps_allocation_order()
    {
        var held = new HeldPages(capacity: 16);
        long next = 0, expected = 0;
        for (var round = 0; round < 100; round++)
        {
            for (var i = 0; i < 11; i++)
            {
                held.Push(new HeldChunk(next++, 0));
            }

            for (var i = 0; i < 10; i++)
            {
                Assert.Equal(expected++, held.PopOldest().Pfn);
            }
        }

        Assert.Equal(100, held.Count);
        Assert.Equal(Enumerable.Range((int)expected, 100).Select(p => (long)p), held.Snapshot().Select(c => c.Pfn));
    }
}
