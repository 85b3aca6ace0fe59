namespace PcpTestbed.Coyote;

/// <summary>A scenario as the list verb prints it (JSON-friendly).</summary>
public sealed record ScenarioInfo(string Name, string Description, IReadOnlyList<string> Designs, int Cpus, string Zone);
