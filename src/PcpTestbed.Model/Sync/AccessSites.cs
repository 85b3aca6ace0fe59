using System.Reflection;

namespace PcpTestbed.Model.Sync;

/// <summary>
/// The site table: every <see cref="AccessSite"/> with its stable name, discovered from the enum, so a site added
/// to the enum is in every coverage table at once. A member without a <see cref="SiteAttribute"/> is a build
/// mistake, refused when the table is first used.
/// </summary>
public static class AccessSites
{
    private static readonly string[] Table = Build();

    public static int Count => Table.Length;

    public static IEnumerable<AccessSite> All => Enumerable.Range(0, Table.Length).Select(i => (AccessSite)i);

    /// <summary>The site's stable name, e.g. "zone_watermark_fast:vm_stat".</summary>
    public static string Name(AccessSite site) => Table[(int)site];

    public static bool TryParse(string name, out AccessSite site)
    {
        var i = Array.IndexOf(Table, name);
        site = (AccessSite)Math.Max(i, 0);
        return i >= 0;
    }

    private static string[] Build()
    {
        var fields = typeof(AccessSite).GetFields(BindingFlags.Public | BindingFlags.Static);
        var table = new string[fields.Length];
        foreach (var f in fields)
        {
            var value = (int)(AccessSite)f.GetValue(null)!;
            if (value < 0 || value >= table.Length)
            {
                throw new InvalidOperationException($"AccessSite.{f.Name} = {value}: sites must be numbered 0..{table.Length - 1} without gaps");
            }

            table[value] = f.GetCustomAttribute<SiteAttribute>()?.Name
                           ?? throw new InvalidOperationException($"AccessSite.{f.Name} has no [Site] name");
        }

        if (table.Distinct(StringComparer.Ordinal).Count() != table.Length)
        {
            throw new InvalidOperationException("two access sites share a name");
        }

        return table;
    }
}
