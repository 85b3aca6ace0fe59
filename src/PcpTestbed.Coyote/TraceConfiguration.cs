using PcpTestbed.Designs;
using PcpTestbed.Model;

namespace PcpTestbed.Coyote;

/// <summary>A scenario's machine as a trace file stores it.</summary>
public sealed record TraceConfiguration
{
    public required int Cpus { get; init; }

    public required string Zone { get; init; }

    public required string Highatomic { get; init; }

    /// <summary>min/low/high/promo in pages, when the scenario overrides the kernel's formulas.</summary>
    public long[]? Watermarks { get; init; }

    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    public static TraceConfiguration From(ScenarioConfig c) => new()
    {
        Cpus = c.Cpus,
        Zone = c.Zone,
        Highatomic = HighatomicVariants.Name(c.Highatomic),
        Watermarks = c.Watermarks is { } w ? [w.Min, w.Low, w.High, w.Promo] : null,
        Parameters = new SortedDictionary<string, string>(c.Parameters.ToDictionary(p => p.Key, p => p.Value), StringComparer.Ordinal),
    };

    /// <summary>The one-line form of <see cref="ScenarioConfig.Describe"/>, or null if a field cannot be read back.</summary>
    public string? Describe()
    {
        if (!HighatomicVariants.TryParse(Highatomic, out var variant) || Watermarks is { Length: not 4 })
        {
            return null;
        }

        return new ScenarioConfig
        {
            Cpus = Cpus,
            Zone = Zone,
            Highatomic = variant,
            Watermarks = Watermarks is { } w ? new Watermarks(w[0], w[1], w[2], w[3]) : null,
            Parameters = Parameters,
        }.Describe();
    }
}
