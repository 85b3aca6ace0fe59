using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using PcpTestbed.Execution.Virtual;

namespace PcpTestbed.Workloads.Run;

/// <summary>The cost model a virtual run was charged from: where it came from, a hash of its values, and every constant.</summary>
/// <param name="File">The file given with --cost-model, as given; <c>default</c> for the shipped defaults.</param>
/// <param name="Source">The model's own description (a file's <c>source</c> field).</param>
/// <param name="Sha256">SHA-256 of the constants, one <c>group.name=value</c> line each in table order (values round-trip formatted): equal hashes, equal charges.</param>
/// <param name="Constants">Every constant by its file path (<c>seam.lockNs</c>), ns or cache lines.</param>
public sealed record CostModelReport(string File, string Source, string Sha256, IReadOnlyDictionary<string, double> Constants)
{
    public static CostModelReport From(CostModel model, string? file)
    {
        ArgumentNullException.ThrowIfNull(model);
        var text = new StringBuilder();
        foreach (var c in CostConstants.All)
        {
            text.Append(CostConstants.Info(c).Path).Append('=').Append(model[c].ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
        return new CostModelReport(file ?? "default", model.Source, hash, CostConstants.All.ToDictionary(c => CostConstants.Info(c).Path, c => model[c]));
    }
}
