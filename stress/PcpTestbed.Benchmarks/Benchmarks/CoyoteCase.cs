using PcpTestbed.Designs;

namespace PcpTestbed.Benchmarks.Benchmarks;

/// <summary>A Coyote scenario on one of the designs it applies to; printed as "scenario/design" in the tables.</summary>
public sealed record CoyoteCase(string Scenario, DesignKind Design)
{
    public override string ToString() => $"{Scenario}/{Designs.Designs.Name(Design)}";
}
