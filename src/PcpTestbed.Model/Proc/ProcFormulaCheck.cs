namespace PcpTestbed.Model.Proc;

/// <summary>
/// Derives a zone's watermarks, PCP sizing and highatomic cap with the kernel's formulas
/// (<see cref="ZoneParameters.Derive"/>) from the inputs /proc gives, and sets each against what
/// /proc shows. On a machine whose kernel the model follows, every shown value agrees.
/// </summary>
public static class ProcFormulaCheck
{
    public const string HighatomicCap = "highatomic cap";

    /// <summary>
    /// Compares zone <paramref name="zoneName"/> of node <paramref name="node"/>.
    /// <para>
    /// Inputs, as the kernel takes them: lowmem pages = Σ managed over every zone of every node
    /// except HighMem and Movable (for_each_zone() in __setup_per_zone_wmarks()); min_free_kbytes
    /// from the sysctl copy when given (a running kernel may have raised it past
    /// calculate_min_free_kbytes(), e.g. THP's set_recommended_min_free_kbytes()), else the formula;
    /// watermark_scale_factor and percpu_pagelist_high_fraction from their copies or the defaults
    /// (10 and 0); CPUs = the pagesets zoneinfo lists for the zone unless <paramref name="cpus"/> says otherwise.
    /// </para>
    /// </summary>
    /// <exception cref="ProcFormatException">The zone is not there, is empty, or the lowmem total is absurd.</exception>
    public static ProcFormulaComparison Compare(ProcSnapshot snapshot, string zoneName = ProcZoneImporter.DefaultZone, int node = 0, int? cpus = null)
    {
        if (cpus <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(cpus), cpus, "expected at least one CPU");
        }

        var zi = snapshot.RequireZone(node, zoneName);
        if (zi.Managed == 0)
        {
            throw new ProcFormatException(snapshot.Zoneinfo.Path, zi.LineOf("managed"),
                $"expected managed pages for zone {zi.Name}, got 0: an empty zone has no watermarks or PCP sizes to compare");
        }

        var lowmem = LowmemPages(snapshot.Zoneinfo);
        var calculated = ZoneFormulas.CalculateMinFreeKbytes(lowmem);
        var sysctls = snapshot.Sysctls;
        var minFree = sysctls.MinFreeKbytes?.Value ?? calculated;
        var scaleFactor = (int)(sysctls.WatermarkScaleFactor?.Value ?? PageAlloc.DefaultWatermarkScaleFactor);
        var fraction = (int)(sysctls.PercpuPagelistHighFraction?.Value ?? 0);
        var cpuCount = cpus ?? Math.Max(1, zi.Pagesets.Count);

        var rows = new List<ProcComparisonRow>();
        ZoneParameters? derived = null;
        PcpSizing pcp;
        if (IsLowmem(zi.Name))
        {
            derived = ZoneParameters.Derive(zi.Managed, cpuCount, lowmem, minFree, scaleFactor, fraction);

            pcp = derived.Pcp;
            var shown = zi.UnboostedWatermarks;
            rows.Add(Row("min", derived.Watermarks.Min, shown.Min));
            rows.Add(Row("low", derived.Watermarks.Low, shown.Low));
            rows.Add(Row("high", derived.Watermarks.High, shown.High));
            rows.Add(zi.Promo == null
                ? new ProcComparisonRow("promo", derived.Watermarks.Promo, null, ProcComparisonOutcome.NotShownByProc, "this kernel's zoneinfo has no promo line (before 6.1)")
                : Row("promo", derived.Watermarks.Promo, shown.Promo));
        }
        else
        {
            // HighMem and Movable zones: min clamped to managed/1024 within 32..128, gaps from the proportional share.
            var wm = ZoneFormulas.SetupHighOrMovableZoneWmarks(zi.Managed, lowmem, minFree, scaleFactor);
            var shown = zi.UnboostedWatermarks;
            rows.Add(Row("min", wm.Min, shown.Min));
            rows.Add(Row("low", wm.Low, shown.Low));
            rows.Add(Row("high", wm.High, shown.High));
            rows.Add(zi.Promo == null
                ? new ProcComparisonRow("promo", wm.Promo, null, ProcComparisonOutcome.NotShownByProc, "this kernel's zoneinfo has no promo line (before 6.1)")
                : Row("promo", wm.Promo, shown.Promo));
            pcp = PcpSizing.Derive(zi.Managed, wm.Low, cpuCount, fraction);
        }

        rows.Add(PagesetRow("batch", pcp.Batch, zi.Pagesets, p => p.Batch));
        rows.Add(PagesetRow("high_min", pcp.HighMin, zi.Pagesets, p => p.HighMin));
        rows.Add(PagesetRow("high_max", pcp.HighMax, zi.Pagesets, p => p.HighMax));
        var cap = Zone.ComputeHighatomicMaxPages(zi.Managed);
        rows.Add(new ProcComparisonRow(HighatomicCap, cap, null, ProcComparisonOutcome.NotShownByProc,
            zi.ReservedHighatomic is { } reserved
                ? $"/proc shows no cap, only the current reserve: reserved_highatomic {reserved}{(reserved > cap ? " (above the cap)" : "")}"
                : "/proc shows no cap"));

        return new ProcFormulaComparison
        {
            Node = zi.Node,
            ZoneName = zi.Name,
            ManagedPages = zi.Managed,
            LowmemPages = lowmem,
            MinFreeKbytes = minFree,
            MinFreeKbytesOrigin = sysctls.MinFreeKbytes?.Path ?? "calculate_min_free_kbytes()",
            CalculatedMinFreeKbytes = calculated,
            WatermarkScaleFactor = scaleFactor,
            PercpuPagelistHighFraction = fraction,
            Cpus = cpuCount,
            Derived = derived,
            Rows = rows,
            Notes = Notes(snapshot, zi, lowmem, calculated, cpus),
        };
    }

    /// <summary>Reads the source and compares a zone.</summary>
    public static ProcFormulaComparison Compare(ProcSource source, string zoneName = ProcZoneImporter.DefaultZone, int node = 0, int? cpus = null) =>
        Compare(source.Read(), zoneName, node, cpus);

    /// <summary>is_highmem() or ZONE_MOVABLE, by the name zoneinfo prints.</summary>
    public static bool IsLowmem(string zoneName) =>
        !string.Equals(zoneName, "HighMem", StringComparison.OrdinalIgnoreCase) && !string.Equals(zoneName, "Movable", StringComparison.OrdinalIgnoreCase);

    private static long LowmemPages(Zoneinfo zoneinfo)
    {
        long lowmem = 0;
        foreach (var zone in zoneinfo.Zones.Where(z => IsLowmem(z.Name)))
        {
            // Each term is at most 2^40, so the sum is checked before it could overflow.
            lowmem += zone.Managed;
            if (lowmem > ProcText.MaxPages)
            {
                throw new ProcFormatException(zoneinfo.Path, zone.LineOf("managed"),
                    $"expected the lowmem zones' managed pages to add up to at most 2^40 (4 PiB), got more by node {zone.Node} zone {zone.Name}");
            }
        }

        return lowmem;
    }

    private static ProcComparisonRow Row(string name, long formula, long shown) =>
        new(name, formula, shown, formula == shown ? ProcComparisonOutcome.Agrees : ProcComparisonOutcome.Differs);

    private static WatermarkKind Kind(string mark) => mark switch
    {
        "min" => WatermarkKind.Min,
        "low" => WatermarkKind.Low,
        "high" => WatermarkKind.High,
        _ => WatermarkKind.Promo,
    };

    // Every CPU's pageset gets the same batch and high bounds (zone_set_pageset_high_and_batch()).
    private static ProcComparisonRow PagesetRow(string name, long formula, IReadOnlyList<ZoneinfoPageset> pagesets, Func<ZoneinfoPageset, int?> field)
    {
        if (pagesets.Count == 0)
        {
            return new ProcComparisonRow(name, formula, null, ProcComparisonOutcome.NotShownByProc, "zoneinfo lists no pagesets for the zone");
        }

        if (pagesets.Any(p => field(p) == null))
        {
            return new ProcComparisonRow(name, formula, null, ProcComparisonOutcome.NotShownByProc,
                $"this kernel's zoneinfo has no '{name}:' lines (PCP auto-tuning came in 6.7)");
        }

        var first = (long)field(pagesets[0])!;
        if (pagesets.All(p => field(p) == formula))
        {
            return new ProcComparisonRow(name, formula, first, ProcComparisonOutcome.Agrees);
        }

        var distinct = pagesets.Select(field).Distinct().Count();
        var note = distinct == 1
            ? $"every CPU shows {first}"
            : "CPUs disagree: " + string.Join(", ", pagesets.Take(8).Select(p => $"cpu {p.Cpu} = {field(p)}")) + (pagesets.Count > 8 ? ", ..." : "");
        return new ProcComparisonRow(name, formula, first, ProcComparisonOutcome.Differs, note);
    }

    private static List<string> Notes(ProcSnapshot snapshot, ZoneinfoZone zi, long lowmem, long calculated, int? cpus)
    {
        var notes = new List<string>();
        if (snapshot.Sysctls.MinFreeKbytes is { } file)
        {
            if (file.Value > calculated)
            {
                var thp = ThpRecommendation(snapshot.Zoneinfo, lowmem);
                notes.Add($"min_free_kbytes {file.Value} ({file.Path}) is above calculate_min_free_kbytes(lowmem {lowmem}) = {calculated}: " +
                          "the kernel raised it after boot, so the formulas use the file's value" +
                          (file.Value == thp.Kbytes
                              ? $"; it is exactly what THP's set_recommended_min_free_kbytes() asks for: 2 + MIGRATE_PCPTYPES² = 11 free pageblocks " +
                                $"for each of the {thp.Zones} populated zones up to Normal ({thp.Kbytes} KB)"
                              : ""));
            }
            else if (file.Value < calculated)
            {
                notes.Add($"min_free_kbytes {file.Value} ({file.Path}) is below calculate_min_free_kbytes(lowmem {lowmem}) = {calculated}: set by hand");
            }
        }
        else
        {
            notes.Add($"no min_free_kbytes given: using calculate_min_free_kbytes(lowmem {lowmem}) = {calculated}; " +
                      "a running kernel with THP raises it (set_recommended_min_free_kbytes()), so its marks would be higher");
        }

        if (zi.Boost > 0)
        {
            notes.Add($"/proc's marks include the watermark boost {zi.Boost}; the rows compare them without it");
        }

        if (cpus == null && snapshot.Zoneinfo.Zones.Select(z => z.Node).Distinct().Count() > 1)
        {
            notes.Add("zoneinfo lists several nodes: the kernel splits high_min and high_max across the CPUs of the zone's node, " +
                      "but zoneinfo lists every online CPU's pageset; pass the node's CPU count");
        }

        return notes;
    }

    /// <summary>What THP's set_recommended_min_free_kbytes() asks for on this machine; used only to explain a raised min_free_kbytes.</summary>
    private static (long Kbytes, int Zones) ThpRecommendation(Zoneinfo zoneinfo, long lowmem)
    {
        string[] upToNormal = ["DMA", "DMA32", "Normal"];
        var zones = zoneinfo.Zones.Count(z => z.Present > 0 && upToNormal.Contains(z.Name, StringComparer.OrdinalIgnoreCase));
        return (ZoneFormulas.ThpRecommendedMinFreeKbytes(zones, lowmem), zones);
    }
}
