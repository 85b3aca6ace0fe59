using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace PcpTestbed.Model.Layout;

/// <summary>
/// An <see cref="AllocatorSnapshot"/> as bytes, for a reproduction file (which wraps them in base64 and gzip): a magic, the
/// shape (design, CPUs, pages, the PCP state's size), the counters, then every array as its structs' bytes (little-endian,
/// the layout of <see cref="Page"/>, <see cref="Pageblock"/> and <see cref="ListHead"/>). Decoding checks the shape and every
/// field that indexes something (links, orders, states, migratetypes) and refuses anything else with a
/// <see cref="FormatException"/> of one line; what it cannot check field by field, the restored state's audit does.
/// </summary>
public static class AllocatorSnapshotCodec
{
    private static readonly byte[] Magic = "PCPSNAP1"u8.ToArray();

    public static byte[] Encode(AllocatorSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var z = snapshot.Zone;
        using var stream = new MemoryStream((z.Pages.Length * 16) + (z.Blocks.Length * 16) + snapshot.PerCpu.Length + 4096);
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(snapshot.Design);
            w.Write(snapshot.Cpus);
            w.Write(z.Pages.Length);
            w.Write(snapshot.PerCpuStateSize);
            w.Write(z.Ownership);
            foreach (var v in (ReadOnlySpan<long>)[z.NrFreePages, z.NrFreeCmaPages, z.NrFreeHighatomic, z.NrReservedHighatomic, z.NrReservedHighatomicPeak,
                         z.HighatomicCapOvershoot, z.WatermarkBoost, z.Watermarks.Min, z.Watermarks.Low, z.Watermarks.High, z.Watermarks.Promo])
            {
                w.Write(v);
            }

            w.Write(z.Flags);
            w.Write(MemoryMarshal.AsBytes(snapshot.Online.AsSpan()));
            w.Write(snapshot.PerCpu);
            w.Write(MemoryMarshal.AsBytes(z.OwnedLists.AsSpan()));
            w.Write(MemoryMarshal.AsBytes(z.FreeLists.AsSpan()));
            w.Write(MemoryMarshal.AsBytes(z.NrFree.AsSpan()));
            w.Write(MemoryMarshal.AsBytes(z.NrFreeByType.AsSpan()));
            w.Write(MemoryMarshal.AsBytes(z.Blocks.AsSpan()));
            w.Write(MemoryMarshal.AsBytes(z.Pages.AsSpan()));
        }

        return stream.ToArray();
    }

    /// <summary>Reads a snapshot <see cref="Encode"/> wrote; anything else (truncated, trailing bytes, a field out of range) is a <see cref="FormatException"/>.</summary>
    public static AllocatorSnapshot Decode(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        try
        {
            return DecodeChecked(bytes);
        }
        catch (EndOfStreamException)
        {
            throw new FormatException($"the snapshot ends early ({bytes.Length} bytes)");
        }
    }

    private static AllocatorSnapshot DecodeChecked(byte[] bytes)
    {
        using var r = new BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8);
        if (!r.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
        {
            throw new FormatException("the snapshot does not start with its magic (PCPSNAP1)");
        }

        var design = r.ReadString();
        var cpus = r.ReadInt32();
        var presentPages = r.ReadInt32();
        var perCpuStateSize = r.ReadInt32();
        if (design.Length == 0 || cpus is < 1 or > 1024 || presentPages <= 0 || presentPages % PageAlloc.PageblockNrPages != 0 ||
            perCpuStateSize is < 1 or > 1 << 16 || (long)presentPages * Unsafe.SizeOf<Page>() > bytes.Length)
        {
            throw new FormatException($"the snapshot's shape is out of range: design '{design}', {cpus} CPUs, {presentPages} pages, {perCpuStateSize}-byte PCP states");
        }

        var s = new AllocatorSnapshot(design, cpus, presentPages, perCpuStateSize);
        var z = s.Zone;
        z.Ownership = r.ReadBoolean();
        z.NrFreePages = r.ReadInt64();
        z.NrFreeCmaPages = r.ReadInt64();
        z.NrFreeHighatomic = r.ReadInt64();
        z.NrReservedHighatomic = r.ReadInt64();
        z.NrReservedHighatomicPeak = r.ReadInt64();
        z.HighatomicCapOvershoot = r.ReadInt64();
        z.WatermarkBoost = r.ReadInt64();
        z.Watermarks = new Watermarks(r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64());
        z.Flags = r.ReadInt32();
        Fill(r, MemoryMarshal.AsBytes(s.Online.AsSpan()));
        Fill(r, s.PerCpu);
        Fill(r, MemoryMarshal.AsBytes(z.OwnedLists.AsSpan()));
        Fill(r, MemoryMarshal.AsBytes(z.FreeLists.AsSpan()));
        Fill(r, MemoryMarshal.AsBytes(z.NrFree.AsSpan()));
        Fill(r, MemoryMarshal.AsBytes(z.NrFreeByType.AsSpan()));
        Fill(r, MemoryMarshal.AsBytes(z.Blocks.AsSpan()));
        Fill(r, MemoryMarshal.AsBytes(z.Pages.AsSpan()));
        if (r.BaseStream.Position != bytes.Length)
        {
            throw new FormatException($"the snapshot has {bytes.Length - r.BaseStream.Position} bytes past its end");
        }

        CheckFields(s);
        return s;
    }

    private static void Fill(BinaryReader r, Span<byte> into)
    {
        if (r.Read(into) != into.Length)
        {
            throw new EndOfStreamException();
        }
    }

    /// <summary>Every link inside the zone, every state, order and migratetype one the model knows: what a restore indexes with.</summary>
    private static void CheckFields(AllocatorSnapshot s)
    {
        var z = s.Zone;
        var pages = z.Pages.Length;
        var blocks = z.Blocks.Length;
        if (s.Online.Any(o => o is not (0 or 1)))
        {
            throw new FormatException("the snapshot's online CPUs are not 0 or 1 each");
        }

        if (z.FreeLists.Any(h => !Link(h.FirstLink, pages) || !Link(h.LastLink, pages)) || z.NrFree.Any(n => n < 0 || n > pages) || z.NrFreeByType.Any(n => n < 0 || n > pages))
        {
            throw new FormatException("the snapshot's free lists have a link outside the zone or a count out of range");
        }

        for (var cpu = 0; cpu < s.Cpus; cpu++)
        {
            if (!Link(z.OwnedLists[3 * cpu], blocks) || !Link(z.OwnedLists[(3 * cpu) + 1], blocks) || z.OwnedLists[(3 * cpu) + 2] is var n && (n < 0 || n > blocks))
            {
                throw new FormatException($"the snapshot's owned_blocks list of CPU {cpu} has a link or length outside the zone's {blocks} blocks");
            }
        }

        for (var b = 0; b < blocks; b++)
        {
            ref var block = ref z.Blocks[b];
            if (!Enum.IsDefined(block.MigrateType) || block.Owner >= s.Cpus || !Link(block.OwnedNextLink, blocks) || !Link(block.OwnedPrevLink, blocks) ||
                block.ZoneFreePages is < 0 or > PageAlloc.PageblockNrPages || block.OnOwnedList > 1)
            {
                throw new FormatException($"the snapshot's pageblock {b} is out of range (migratetype, owner, links or zone-free count)");
            }
        }

        for (var p = 0; p < pages; p++)
        {
            ref var page = ref z.Pages[p];
            if (!Enum.IsDefined(page.State) || (page.IsHead && page.Order > PageAlloc.MaxPageOrder) || !Link(page.NextLink, pages) || !Link(page.PrevLink, pages) ||
                page.Cpu < 0 || page.Cpu >= s.Cpus)
            {
                throw new FormatException($"the snapshot's page {p} is out of range (state {(int)page.State}, order {page.Order}, links or CPU {page.Cpu})");
            }
        }
    }

    /// <summary>A link (index + 1, 0 none) inside an array of <paramref name="length"/>.</summary>
    private static bool Link(int link, int length) => link >= 0 && link <= length;
}
