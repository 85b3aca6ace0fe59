using PcpTestbed.Model;
using PcpTestbed.Model.Layout;
using PcpTestbed.Model.Proc;

namespace PcpTestbed.Stress.Cli;

/// <summary>Where a command's zone comes from: a synthetic spec, or a real machine's /proc (live or a saved folder).</summary>
public sealed record ZoneSource
{
    public const string DefaultSize = "1G";

    public ZoneSpec? Spec { get; init; }

    /// <summary>Set when the zone is imported; null directory means the live /proc.</summary>
    public bool FromProc { get; init; }

    public string? ProcDirectory { get; init; }

    public string ZoneName { get; init; } = ProcZoneImporter.DefaultZone;

    public int Node { get; init; }

    public string Describe() => FromProc
        ? $"{ZoneName} zone of node {Node} from {(ProcDirectory ?? "/proc")}"
        : Spec!.Describe();

    /// <summary>Resolves the options; exactly one of a size spec or /proc may be given.</summary>
    public static ZoneSource Resolve(string? zoneSize, bool fromProc, string? procDir, string? zoneName, int node, string defaultSize = DefaultSize)
    {
        if (fromProc && zoneSize != null)
        {
            throw new UsageException("give either --zone-size or --zone-from-proc, not both");
        }

        if (fromProc)
        {
            if (procDir != null && !Directory.Exists(procDir))
            {
                throw new UsageException($"--zone-from-proc {procDir}: no such folder (expected a folder holding copies of zoneinfo and pagetypeinfo)");
            }

            return new ZoneSource { FromProc = true, ProcDirectory = procDir, ZoneName = zoneName ?? ProcZoneImporter.DefaultZone, Node = node };
        }

        try
        {
            return new ZoneSource { Spec = ZoneSpec.Parse(zoneSize ?? defaultSize) };
        }
        catch (FormatException e)
        {
            throw new UsageException($"--zone-size {zoneSize}: {e.Message}");
        }
    }

    public ProcSource OpenProc()
    {
        try
        {
            return ProcDirectory == null ? ProcSource.Live() : ProcSource.FromDirectory(ProcDirectory);
        }
        catch (ProcFormatException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>This source with more block rules (a synthetic spec only), e.g. "cma=50%@end".</summary>
    public ZoneSource WithRules(string rules)
    {
        if (FromProc)
        {
            throw new InvalidOperationException("an imported zone takes no block rules");
        }

        var text = $"{Spec!.Describe()},{rules}";
        try
        {
            return this with { Spec = ZoneSpec.Parse(text) };
        }
        catch (FormatException e)
        {
            throw new UsageException($"--zone-size {text}: {e.Message}");
        }
    }

    /// <summary>
    /// A factory of fresh, identical zones for a series of runs. /proc (live or a folder) is read once here, so
    /// every run of a comparison starts from the same snapshot; errors surface now, as usage errors.
    /// </summary>
    public Func<Zone> Factory()
    {
        if (!FromProc)
        {
            var spec = Spec!;
            return () => ZoneBuilder.Build(spec);
        }

        try
        {
            var import = ProcZoneImporter.Import(OpenProc().Read(), ZoneName, Node);
            return import.BuildZone;
        }
        catch (ProcFormatException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>Builds the zone. Import and layout errors become usage errors naming the file and line.</summary>
    public Zone Build()
    {
        if (!FromProc)
        {
            try
            {
                return ZoneBuilder.Build(Spec!);
            }
            catch (FormatException e)
            {
                throw new UsageException($"--zone-size {Spec!.Describe()}: {e.Message}");
            }
        }

        try
        {
            return ProcZoneImporter.Import(OpenProc(), ZoneName, Node).BuildZone();
        }
        catch (ProcFormatException e)
        {
            throw new UsageException(e.Message);
        }
    }
}
