using System.Security.Cryptography;
using System.Text;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote;

/// <summary>
/// A fingerprint of the scheduling-point site table (<see cref="PointSites"/>: every access site and lock site, by
/// number and stable name), stored in every trace file. A replay against a build whose table differs says so; whether
/// the trace still fits is decided step by step (a divergence), not by the fingerprint.
/// </summary>
/// <param name="Fingerprint">The first 16 hex digits of the SHA-256 of "number name" lines, one per site.</param>
/// <param name="Sites">How many sites the table had.</param>
public sealed record SiteTable(string Fingerprint, int Sites)
{
    /// <summary>This build's table.</summary>
    public static SiteTable Current { get; } = Compute();

    private static SiteTable Compute()
    {
        var text = new StringBuilder();
        for (var id = 0; id < PointSites.Count; id++)
        {
            text.Append(id.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(' ').Append(PointSites.Name(id)).Append('\n');
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()));
        return new SiteTable(Convert.ToHexStringLower(hash)[..16], PointSites.Count);
    }
}
