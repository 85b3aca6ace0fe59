using System.IO.Compression;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using PcpTestbed.Designs;
using PcpTestbed.Model;
using PcpTestbed.Model.Layout;

namespace PcpTestbed.Coyote.Repro;

/// <summary>
/// A reproduction file (gzip-compressed JSON): what a real-thread run that broke was (design, bugs, workload, seed, CPUs,
/// zone), the violation, and the window the flight recorder kept: each CPU's operations from the last clean audit (or the
/// oldest the ring kept) to the first violation, pages named by handle, plus the pages allocated before the window that
/// it frees. <c>explore --from-repro</c> rebuilds the state from it and searches interleavings of exactly those operations
/// (<see cref="ReproExplorer"/>).
/// </summary>
public sealed record ReproFile
{
    /// <summary>Bumped whenever a field changes meaning; other versions are refused.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>The value of <see cref="Format"/>: tells a reproduction file from a trace or any other JSON.</summary>
    public const string FormatName = "pcptestbed-repro";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = false,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public string Format { get; init; } = FormatName;

    public int FormatVersion { get; init; } = CurrentFormatVersion;

    public required string Design { get; init; }

    public required IReadOnlyList<string> Bugs { get; init; }

    public required string Workload { get; init; }

    public required long Seed { get; init; }

    /// <summary>Emulated CPUs, kswapd's included.</summary>
    public required int Cpus { get; init; }

    /// <summary>The zone spec (<see cref="Model.Layout.ZoneSpec"/>), or the description of a zone from /proc, which cannot be rebuilt.</summary>
    public required string Zone { get; init; }

    public required string Highatomic { get; init; }

    public bool Lockdep { get; init; }

    public required string Violation { get; init; }

    public required string Invariant { get; init; }

    /// <summary>Whether every CPU's window starts at a clean audit (else the ring had wrapped: <see cref="LostBeforeWindow"/>).</summary>
    public required bool WindowComplete { get; init; }

    /// <summary>Per CPU, ring entries (operations, folios, epoch marks) since the last clean audit that the ring had overwritten.</summary>
    public required IReadOnlyList<long> LostBeforeWindow { get; init; }

    public required int RingEntries { get; init; }

    public required IReadOnlyList<ReproPage> Pages { get; init; }

    /// <summary>
    /// The seq of the window's last operation on the page the violation was found at (its pfn, carried from the audit's
    /// violation or the bad page to the flight recording, inside an allocated or freed chunk), or null (no pfn, or no
    /// operation on it in the window). An audit reports a violation at the next quiescent
    /// point, long after the operation that caused it: explore --from-repro interleaves at least from here on.
    /// </summary>
    public int? ViolationPageSeq { get; init; }

    /// <summary>
    /// What the zone held at the window's start (the last clean audit): the rebuilt state allocates it as ballast before
    /// anything else (<see cref="ReproBallast"/>). Null in a file written before it was recorded (the same format version:
    /// the field is optional, and such a file rebuilds without ballast), or when the window starts at the run's start.
    /// </summary>
    public ZoneHoldings? Holdings { get; init; }

    /// <summary>
    /// The allocator's exact state at the window's start (the last clean audit: <see cref="Model.Layout.AllocatorSnapshot"/>), as
    /// base64 of <see cref="AllocatorSnapshotCodec"/>'s bytes, or null (a file written before it was recorded: the field is
    /// optional, and such a file rebuilds with the ballast). With a complete window, explore --from-repro restores it instead of
    /// the ballast (<see cref="SnapshotUnusable"/>).
    /// </summary>
    public string? Snapshot { get; init; }

    /// <summary>
    /// The interrupts the run injected (<see cref="ReproInterrupts"/>), or null (none, or a file written before they were
    /// recorded: the field is optional). explore --from-repro lands them as stalls unless --no-irq.
    /// </summary>
    public ReproInterrupts? Interrupts { get; init; }

    /// <summary>The snapshot decoded, with the text it came from (decoded once: every scenario of a file restores the same).</summary>
    private (string Text, AllocatorSnapshot Decoded)? _decoded;

    /// <summary>Per CPU, its operations in the window, oldest first.</summary>
    public required IReadOnlyList<IReadOnlyList<ReproOp>> Operations { get; init; }

    public int OperationCount => Operations.Sum(o => o.Count);

    /// <summary>The same file without the operations after <paramref name="lastSeq"/> in the global order.</summary>
    public ReproFile Truncate(int lastSeq) => this with
    {
        Operations = Operations.Select(ops => (IReadOnlyList<ReproOp>)ops.Where(o => o.Seq <= lastSeq).ToArray()).ToArray(),
    };

    /// <summary>The snapshot decoded (once per text), or null when the file has none. A damaged one is a <see cref="FormatException"/>.</summary>
    internal AllocatorSnapshot? DecodedSnapshot()
    {
        if (Snapshot == null)
        {
            return null;
        }

        if (_decoded is { } d && ReferenceEquals(d.Text, Snapshot))
        {
            return d.Decoded;
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(Snapshot);
        }
        catch (FormatException e)
        {
            throw new FormatException($"the snapshot is not base64: {e.Message}", e);
        }

        var decoded = AllocatorSnapshotCodec.Decode(bytes);
        _decoded = (Snapshot, decoded);
        return decoded;
    }

    /// <summary>
    /// Why the rebuild cannot restore the snapshot, or null when it can: the file has one and the window is complete (no
    /// operation between the checkpoint and the window's first was lost).
    /// </summary>
    public string? SnapshotUnusable() =>
        Snapshot == null ? "the file has no snapshot"
        : !WindowComplete ? $"the window is incomplete ({LostBeforeWindow.Sum():N0} ring entries lost since the checkpoint)"
        : null;

    /// <summary>
    /// The pages the window frees from before it that the snapshot holds (allocated at their pfn and order): with the snapshot
    /// restored, their handles name those chunks. The others the global order's approximation took for pages from before the
    /// window (it put their free before another CPU's allocation of them); like a free of a handle not yet allocated, their
    /// frees are skipped. So are those of a second page at a chunk's pfn (the same approximation put a later free of the chunk,
    /// reallocated in the window, before its allocation): one handle per chunk, the first freed, or the rebuild frees it twice.
    /// </summary>
    internal IReadOnlyList<ReproPage> PagesInSnapshot()
    {
        var snapshot = DecodedSnapshot()!;
        var startPfn = ZoneSpec.Parse(Zone).StartPfn;
        return Pages.Where(page => page.Pfn - startPfn is { } rel && rel >= 0 && rel < snapshot.Zone.Pages.Length &&
                                   snapshot.Zone.Pages[rel].State == PageState.Allocated && snapshot.Zone.Pages[rel].Order == page.Order)
            .GroupBy(page => page.Pfn)
            .Select(g => g.First())
            .ToArray();
    }

    /// <summary>How explore --from-repro rebuilds the window's start from this file, in words.</summary>
    public string Rebuild() => SnapshotUnusable() is { } why
        ? $"{(Holdings is { } h ? $"a fresh zone with {h.HeldPages:N0} pages of ballast held at the window's start" : "a fresh zone, no ballast")} (no snapshot restored: {why})"
        : $"the allocator's exact state at the window's start (its snapshot; {PagesInSnapshot().Count} of the {Pages.Count} pages from before the window held there, the others' frees skipped)";

    public void Save(string path)
    {
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (dir != null)
        {
            Directory.CreateDirectory(dir);
        }

        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Optimal);
        JsonSerializer.Serialize(gzip, this, JsonOptions);
    }

    /// <summary>Reads and checks a reproduction file (gzip, or the JSON inside it). Anything wrong is a <see cref="ReproFormatException"/>.</summary>
    public static ReproFile Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ReproFormatException(path, $"cannot be read: {e.Message}", e);
        }

        string text;
        var compressed = bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
        if (compressed)
        {
            try
            {
                using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
                using var reader = new StreamReader(gzip);
                text = reader.ReadToEnd();
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                throw new ReproFormatException(path, $"is damaged gzip (truncated?): {e.Message}", e);
            }
        }
        else
        {
            text = System.Text.Encoding.UTF8.GetString(bytes);
        }

        ReproFile? file;
        try
        {
            using var doc = JsonDocument.Parse(text);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String ||
                format.GetString() != FormatName)
            {
                throw new ReproFormatException(path, $"is not a PcpTestbed reproduction file (no \"format\": \"{FormatName}\")");
            }

            if (!root.TryGetProperty("formatVersion", out var version) || !version.TryGetInt32(out var v) || v != CurrentFormatVersion)
            {
                throw new ReproFormatException(path, $"has formatVersion {(root.TryGetProperty("formatVersion", out var fv) ? fv.GetRawText() : "(none)")}; this build reads version {CurrentFormatVersion} only");
            }

            file = JsonSerializer.Deserialize<ReproFile>(text, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new ReproFormatException(path, compressed
                ? $"is damaged gzip or holds broken JSON (truncated?): {e.Message}"
                : $"is not valid JSON or has a field of the wrong type: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            throw new ReproFormatException(path, $"has a string that is not valid text: {e.Message}", e);
        }

        if (file == null)
        {
            throw new ReproFormatException(path, "holds JSON null");
        }

        file.Check(path);
        return file;
    }

    /// <summary>The checks a replay relies on: names this build knows, CPUs in range, handles defined before use.</summary>
    internal void Check(string path)
    {
        if (!Designs.Designs.TryParse(Design, out _))
        {
            throw new ReproFormatException(path, $"names the unknown design '{Design}'; expected one of {Designs.Designs.Names}");
        }

        foreach (var name in Bugs ?? [])
        {
            if (!InjectedBugs.TryParse(name, out _))
            {
                throw new ReproFormatException(path, $"names the unknown injected bug '{name}'; expected some of {InjectedBugs.Names}");
            }
        }

        if (!HighatomicVariants.TryParse(Highatomic ?? "", out _))
        {
            throw new ReproFormatException(path, $"names the unknown highatomic variant '{Highatomic}'");
        }

        if (Cpus is < 1 or > 1024 || Operations == null || Operations.Count != Cpus || Pages == null)
        {
            throw new ReproFormatException(path, $"has {Operations?.Count ?? 0} operation lists for {Cpus} CPUs; expected one per CPU");
        }

        ZoneSpec spec;
        try
        {
            spec = ZoneSpec.Parse(Zone ?? "");
        }
        catch (FormatException e)
        {
            throw new ReproFormatException(path, $"was recorded on the zone '{Zone}', which cannot be rebuilt (a zone from /proc, or damage): {e.Message}", e);
        }

        if (Interrupts?.Problem() is { } irq)
        {
            throw new ReproFormatException(path, $"has bad interrupts: {irq}");
        }

        CheckHoldings(path, spec);
        CheckSnapshot(path, spec);
        var handles = new HashSet<int>();
        foreach (var p in Pages)
        {
            if (p == null || p.Cpu < 0 || p.Cpu >= Cpus || !PageAlloc.IsValidOrder(p.Order) || !handles.Add(p.Page))
            {
                throw new ReproFormatException(path, $"has a bad page entry {p}: expected a new handle, a CPU below {Cpus} and a valid order");
            }
        }

        var seqs = new HashSet<int>();
        for (var cpu = 0; cpu < Cpus; cpu++)
        {
            foreach (var op in Operations[cpu] ?? throw new ReproFormatException(path, $"has no operation list for CPU {cpu}"))
            {
                if (op == null || !ReproOp.Names.Contains(op.Op) || !seqs.Add(op.Seq))
                {
                    throw new ReproFormatException(path, $"CPU {cpu} has a bad operation {op?.Op ?? "null"}: expected one of {string.Join(", ", ReproOp.Names)} with a unique seq");
                }

                var ok = op.Op switch
                {
                    ReproOp.Alloc => op.Order is { } o && PageAlloc.IsValidOrder(o) && op.Gfp != null && op.Page is { } h && handles.Add(h) &&
                                     (op.Reclaimed ?? []).All(x => x != null && PageAlloc.IsValidOrder(x.Order)),
                    ReproOp.Free => op.Order is { } o && PageAlloc.IsValidOrder(o) && op.Page != null,
                    ReproOp.FreeBatch => op.Folios is { Count: >= 1 and <= PageAlloc.PagevecSize } f && f.All(x => x != null && PageAlloc.IsValidOrder(x.Order)),
                    ReproOp.CpuDead or ReproOp.CpuOnline => op.Target is { } t && t >= 0 && t < Cpus,
                    _ => true,
                };
                if (!ok)
                {
                    throw new ReproFormatException(path, $"CPU {cpu}'s operation {op.Seq} ({op.Op}) has missing or out-of-range fields");
                }
            }
        }
    }

    /// <summary>
    /// The snapshot, if any, decodes, is of this file's design, CPUs and zone, and, written into a fresh allocator of them, passes
    /// the audit it passed at the checkpoint (damage the decoder cannot see field by field shows there).
    /// </summary>
    private void CheckSnapshot(string path, ZoneSpec spec)
    {
        if (Snapshot == null)
        {
            return;
        }

        AllocatorSnapshot snapshot;
        try
        {
            snapshot = DecodedSnapshot()!;
        }
        catch (FormatException e)
        {
            throw new ReproFormatException(path, $"has a damaged snapshot: {e.Message}", e);
        }

        if (snapshot.Design != Design || snapshot.Cpus != Cpus || snapshot.Zone.Pages.Length != spec.PresentPages)
        {
            throw new ReproFormatException(path,
                $"has a snapshot of {snapshot.Design} with {snapshot.Cpus} CPUs and {snapshot.Zone.Pages.Length} pages; expected {Design} with {Cpus} CPUs and the zone's {spec.PresentPages}");
        }

        Designs.Designs.TryParse(Design, out var design);
        HighatomicVariants.TryParse(Highatomic, out var variant);
        var allocator = AllocatorFactory.Create(design, ZoneBuilder.Build(spec), new AllocatorConfig { Cpus = Cpus, Highatomic = variant }, new Model.Sync.DirectExecution());
        try
        {
            allocator.RestoreSnapshot(snapshot);
        }
        catch (ArgumentException e)
        {
            throw new ReproFormatException(path, $"has a damaged snapshot: {e.Message}", e);
        }

        var report = allocator.Audit();
        if (!report.IsClean)
        {
            throw new ReproFormatException(path, $"has a damaged snapshot: restored, it fails the audit it passed at the checkpoint: {report.Violations[0]}");
        }
    }

    /// <summary>The holdings, if any, fit the zone: one type per block, chunks of valid orders and types inside it.</summary>
    private void CheckHoldings(string path, ZoneSpec spec)
    {
        if (Holdings == null)
        {
            return;
        }

        var blocks = spec.NrPageblocks;
        if (Holdings.BlockTypes == null || Holdings.BlockTypes.Count != blocks || Holdings.BlockTypes.Any(t => !Enum.IsDefined((MigrateType)t)) || Holdings.Held == null)
        {
            throw new ReproFormatException(path, $"has holdings with {Holdings.BlockTypes?.Count ?? 0} block types for a zone of {blocks} blocks; expected one migratetype (0-{MigrateTypes.Count - 1}) per block and a list of held chunks");
        }

        foreach (var h in Holdings.Held)
        {
            if (h == null || !PageAlloc.IsValidOrder(h.Order) || !Enum.IsDefined((MigrateType)h.Migratetype) || h.Count < 1 ||
                h.Pfn < spec.StartPfn || h.Pfn + h.Pages > spec.StartPfn + spec.PresentPages || ((h.Pfn - spec.StartPfn) & ((1L << h.Order) - 1)) != 0)
            {
                throw new ReproFormatException(path, $"has a bad held-chunk entry {h}: expected aligned chunks of a valid order and migratetype inside the zone");
            }
        }
    }
}
