namespace PcpTestbed.Stress.Reports;

/// <summary>A design, workload or variant as list prints it.</summary>
public sealed record NamedItem(string Name, string Description);
