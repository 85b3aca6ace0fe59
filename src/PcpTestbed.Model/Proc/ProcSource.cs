namespace PcpTestbed.Model.Proc;

/// <summary>
/// Where the /proc files come from: the running kernel's /proc, or a folder of copies named
/// zoneinfo, pagetypeinfo and optionally min_free_kbytes, watermark_scale_factor and
/// percpu_pagelist_high_fraction (directly in the folder or under sys/vm/, as in /proc itself).
/// </summary>
public sealed class ProcSource
{
    public const string LiveRoot = "/proc";

    // Reads while the kernel hands deferred pages to the zone can straddle a change of managed.
    private const int MaxReadAttempts = 3;

    private ProcSource(string root, string origin)
    {
        Root = root;
        Origin = origin;
    }

    /// <summary>The folder holding the files.</summary>
    public string Root { get; }

    /// <summary>"/proc" or the folder, for messages.</summary>
    public string Origin { get; }

    public string ZoneinfoPath => System.IO.Path.Combine(Root, "zoneinfo");

    public string PagetypeinfoPath => System.IO.Path.Combine(Root, "pagetypeinfo");

    /// <summary>The running kernel's files. /proc/pagetypeinfo is readable by root only.</summary>
    public static ProcSource Live() => new(LiveRoot, LiveRoot);

    /// <summary>Copies in <paramref name="directory"/>.</summary>
    public static ProcSource FromDirectory(string directory) => new(directory, directory);

    /// <summary>Whether this machine has a Linux /proc with both files the importer needs.</summary>
    public static bool LiveAvailable() =>
        File.Exists(System.IO.Path.Combine(LiveRoot, "zoneinfo")) && File.Exists(System.IO.Path.Combine(LiveRoot, "pagetypeinfo"));

    /// <summary>
    /// Where a sysctl is read from: <c>ROOT/NAME</c> if present, else <c>ROOT/sys/vm/NAME</c>
    /// (which is where the live file is), or null if neither exists.
    /// </summary>
    public string? SysctlPath(string name)
    {
        foreach (var path in new[] { System.IO.Path.Combine(Root, name), System.IO.Path.Combine(Root, "sys", "vm", name) })
        {
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

    /// <summary>
    /// Reads and parses every file. zoneinfo is read before and after pagetypeinfo; if a zone's
    /// managed pages changed in between (deferred struct page init hands memory over while the
    /// machine runs) the read is repeated, so sizes in the two files describe the same zone.
    /// </summary>
    /// <exception cref="ProcFormatException">A required file is missing or unreadable, or a file is malformed.</exception>
    public ProcSnapshot Read()
    {
        var sysctls = VmSysctls.None;
        foreach (var name in SysctlValue.Names)
        {
            var path = SysctlPath(name);
            var text = path == null ? null : ReadOptional(path);
            if (path != null && text != null)
            {
                sysctls = sysctls.With(SysctlValue.Parse(name, text, path));
            }
        }

        Zoneinfo zoneinfo;
        Pagetypeinfo pagetypeinfo;
        var attempt = 0;
        while (true)
        {
            zoneinfo = Zoneinfo.Parse(ReadRequired(ZoneinfoPath), ZoneinfoPath);
            pagetypeinfo = Pagetypeinfo.Parse(ReadRequired(PagetypeinfoPath), PagetypeinfoPath);
            attempt++;
            if (attempt == MaxReadAttempts || ManagedUnchanged(zoneinfo, Zoneinfo.Parse(ReadRequired(ZoneinfoPath), ZoneinfoPath)))
            {
                break;
            }
        }

        return new ProcSnapshot { Zoneinfo = zoneinfo, Pagetypeinfo = pagetypeinfo, Sysctls = sysctls, Origin = Origin };
    }

    private static bool ManagedUnchanged(Zoneinfo before, Zoneinfo after) =>
        before.Zones.Count == after.Zones.Count
        && before.Zones.Zip(after.Zones).All(p => p.First.Node == p.Second.Node && p.First.Name == p.Second.Name && p.First.Managed == p.Second.Managed);

    private static string ReadRequired(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ProcFormatException(path, 0, "expected a readable file, got no such file", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new ProcFormatException(path, 0, "expected a readable file, got permission denied (/proc/pagetypeinfo is readable by root only)", e);
        }
        catch (IOException e)
        {
            throw new ProcFormatException(path, 0, $"expected a readable file, got an I/O error: {e.Message}", e);
        }
    }

    // The sysctls are optional: one that cannot be read is treated as not given.
    private static string? ReadOptional(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
