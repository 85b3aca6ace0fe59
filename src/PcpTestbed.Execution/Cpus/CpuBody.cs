namespace PcpTestbed.Execution.Cpus;

/// <summary>
/// What an emulated CPU runs: a loop of operations with a quiescent point between them, e.g.
/// <c>while (cpu.QuiescentPoint()) { AllocOrFree(cpu.Id); }</c>. Return when <see cref="CpuContext.QuiescentPoint"/>
/// returns false.
/// </summary>
public delegate void CpuBody(CpuContext cpu);
