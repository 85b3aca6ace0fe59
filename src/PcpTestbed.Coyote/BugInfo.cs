using System.Text.Json.Serialization;
using PcpTestbed.Designs;

namespace PcpTestbed.Coyote;

/// <summary>
/// A catalogued injected bug: the scenario and design that expose it, the invariant its report names, and
/// the iteration budget within which the default strategy must find it (JSON-friendly).
/// </summary>
/// <param name="Name">The bug's name in <see cref="InjectedBugs"/>.</param>
/// <param name="Scenario">The scenario that exposes it.</param>
/// <param name="Design">The design it is injected into.</param>
/// <param name="Description">What the mistake is.</param>
/// <param name="Invariants">
/// The invariants a report may name, the one the default strategy meets first; e.g. "§7.4 ownership" or
/// "liveness". A race can surface as more than one broken invariant depending on the schedule (a lost
/// pcp->count update is a count mismatch at the next audit, or a drain that would spin forever).
/// </param>
/// <param name="Iterations">The budget the default strategy finds it within.</param>
/// <param name="Findable">False for a hook no interleaving of the current model can reach (see <paramref name="Note"/>).</param>
/// <param name="Note">How it is found, or why it cannot be.</param>
public sealed record BugInfo(
    string Name,
    string Scenario,
    string Design,
    string Description,
    IReadOnlyList<string> Invariants,
    int Iterations,
    bool Findable,
    string Note)
{
    [JsonIgnore]
    public InjectedBug Bug => InjectedBugs.TryParse(Name, out var bug) ? bug : InjectedBug.None;

    [JsonIgnore]
    public DesignKind DesignKind => Designs.Designs.TryParse(Design, out var kind) ? kind : throw new InvalidOperationException($"unknown design {Design}");
}
