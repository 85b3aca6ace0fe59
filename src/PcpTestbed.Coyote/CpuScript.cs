namespace PcpTestbed.Coyote;

/// <summary>What one emulated CPU does in an iteration, on a controlled thread of its own.</summary>
/// <param name="Cpu">The CPU the thread runs as. Every thread is a distinct CPU: per-CPU state is only ever touched by its own CPU or under a lock.</param>
/// <param name="Role">A few words for reports, e.g. "owner: allocates and drains".</param>
/// <param name="Body">The script; it calls the allocator through <see cref="ScenarioRun"/>.</param>
public sealed record CpuScript(int Cpu, string Role, Action Body);
