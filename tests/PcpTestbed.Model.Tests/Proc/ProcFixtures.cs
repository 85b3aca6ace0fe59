using PcpTestbed.Model.Proc;

namespace PcpTestbed.Model.Tests.Proc;

/// <summary>The /proc copies under Fixtures/ (see Fixtures/README.md for how each was made).</summary>
internal static class ProcFixtures
{
    public const string ThisMachine = "this-machine";
    public const string CmaKernel = "cma-kernel";
    public const string Normal64G = "normal-64g";

    public static string Dir(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    public static string Malformed(string name) => Dir(Path.Combine("malformed", name));

    public static ProcSnapshot Load(string name) => ProcSource.FromDirectory(Dir(name)).Read();

    public static string Text(string name, string file) => File.ReadAllText(Path.Combine(Dir(name), file));

    /// <summary>A snapshot from texts, as a parser sees them; paths are only for messages.</summary>
    public static ProcSnapshot FromText(string zoneinfo, string pagetypeinfo, string dir = "/fixture")
    {
        return new ProcSnapshot
        {
            Zoneinfo = Zoneinfo.Parse(zoneinfo, dir + "/zoneinfo"),
            Pagetypeinfo = Pagetypeinfo.Parse(pagetypeinfo, dir + "/pagetypeinfo"),
            Origin = dir,
        };
    }

    /// <summary>The line number (1-based) of the first line containing <paramref name="fragment"/>.</summary>
    public static int LineOf(string text, string fragment, int after = 0)
    {
        var lines = text.Split('\n');
        for (var i = after; i < lines.Length; i++)
        {
            if (lines[i].Contains(fragment, StringComparison.Ordinal))
            {
                return i + 1;
            }
        }

        throw new InvalidOperationException($"fixture has no line containing '{fragment}'");
    }
}
