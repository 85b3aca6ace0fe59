using PcpTestbed.Designs;

namespace PcpTestbed.Coyote;

/// <summary>The checks every entry point makes before it runs a scenario on a design.</summary>
internal static class ScenarioLookup
{
    /// <summary>The catalogued scenario named <paramref name="name"/>, or an <see cref="ArgumentException"/> naming the choices.</summary>
    public static Scenario Find(string name, string parameter) =>
        Catalog.FindScenario(name) ?? throw new ArgumentException($"unknown scenario '{name}'; expected one of {Catalog.ScenarioNames}", parameter);

    /// <summary>Throws an <see cref="ArgumentException"/> unless <paramref name="scenario"/> runs on <paramref name="design"/>.</summary>
    public static void CheckApplies(Scenario scenario, DesignKind design, string parameter)
    {
        if (!scenario.AppliesTo(design))
        {
            throw new ArgumentException(
                $"scenario '{scenario.Name}' does not apply to design {Designs.Designs.Name(design)}; it runs on {string.Join(", ", scenario.Designs.Select(Designs.Designs.Name))}",
                parameter);
        }
    }
}
