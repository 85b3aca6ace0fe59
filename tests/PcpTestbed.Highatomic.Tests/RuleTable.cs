using System.Text;

namespace PcpTestbed.Highatomic.Tests;

/// <summary>
/// A rule table: for each path and gfp mask, the orders for which a rule holds. Printed one line per
/// path and mask so that a failing test shows the whole expected and observed table side by side.
/// </summary>
internal sealed class RuleTable
{
    private readonly SortedDictionary<(AllocPath Path, int Gfp), SortedSet<int>> _rows = [];

    /// <summary>States that the rule holds for <paramref name="orders"/> on <paramref name="path"/> with <paramref name="gfp"/>; every unnamed cell is false.</summary>
    public RuleTable Holds(AllocPath path, GfpCase gfp, params int[] orders)
    {
        var row = Row(path, gfp);
        foreach (var order in orders)
        {
            row.Add(order);
        }

        return this;
    }

    public void Set(AllocPath path, GfpCase gfp, int order, bool holds)
    {
        if (holds)
        {
            Row(path, gfp).Add(order);
        }
    }

    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var path in Enum.GetValues<AllocPath>())
        {
            for (var g = 0; g < GfpCase.All.Count; g++)
            {
                var orders = _rows.TryGetValue((path, g), out var row) && row.Count > 0 ? string.Join(' ', row) : "-";
                sb.Append($"{path,-4} {GfpCase.All[g].Name,-28} {orders}\n");
            }
        }

        return sb.ToString();
    }

    private SortedSet<int> Row(AllocPath path, GfpCase gfp)
    {
        var key = (path, Index(gfp));
        if (!_rows.TryGetValue(key, out var row))
        {
            row = [];
            _rows[key] = row;
        }

        return row;
    }

    private static int Index(GfpCase gfp)
    {
        for (var g = 0; g < GfpCase.All.Count; g++)
        {
            if (ReferenceEquals(GfpCase.All[g], gfp))
            {
                return g;
            }
        }

        throw new ArgumentException($"{gfp} is not one of the table's gfp masks", nameof(gfp));
    }
}
