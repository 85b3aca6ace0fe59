using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Locking;

/// <summary>
/// The scheduling-point sites injected interrupts are limited to (<c>--irq-site</c>), by the stable names coverage and
/// traces use (<see cref="PointSites.Name"/>: an access site such as <c>free_unref_page:pageblock_owner</c>, or <c>lock:</c> and the
/// kernel function taking a lock). The kernel's fault injection narrows the same way: <c>fail_function</c> injects
/// only into the functions named in its <c>inject</c> file, so a test can aim at one window instead of waiting for
/// chance to land there. A name may stand for several points (a kernel function that takes a lock at two sites).
/// </summary>
public sealed class InterruptSites
{
    private readonly bool[] _points;

    private InterruptSites(bool[] points, IReadOnlyList<string> names)
    {
        _points = points;
        Names = names;
    }

    /// <summary>The names as given, for the run's description.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Whether an interrupt may land at <paramref name="point"/> (a <see cref="PointSites"/> number).</summary>
    public bool Includes(int point) => _points[point];

    /// <summary>The sites named, or false with the first unknown name in <paramref name="unknown"/>.</summary>
    public static bool TryParse(IEnumerable<string> names, out InterruptSites? sites, out string? unknown)
    {
        var given = names.ToList();
        var points = PointSites.Named(given, out unknown);
        sites = points == null ? null : new InterruptSites(points, given);
        return points != null;
    }

    /// <summary>Every site name an interrupt can be limited to, for the usage error.</summary>
    public static IEnumerable<string> AllNames => Enumerable.Range(0, PointSites.Count).Select(PointSites.Name).Distinct(StringComparer.Ordinal);
}
