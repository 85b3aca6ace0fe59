using PcpTestbed.Coyote;

namespace PcpTestbed.Stress.Reports;

/// <summary>list's JSON: everything a command line can name.</summary>
public sealed record ListReport(
    IReadOnlyList<NamedItem> Designs,
    IReadOnlyList<NamedItem> Workloads,
    IReadOnlyList<ScenarioInfo> Scenarios,
    IReadOnlyList<BugInfo> Bugs,
    IReadOnlyList<NamedItem> HighatomicVariants,
    IReadOnlyList<string> Strategies,
    IReadOnlyList<string> Faults);
