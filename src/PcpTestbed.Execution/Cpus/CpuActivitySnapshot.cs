using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Cpus;

/// <summary>A racy copy of one CPU's <see cref="CpuActivity"/> record and note.</summary>
/// <param name="OpSeq">Allocator entry points the CPU has begun.</param>
/// <param name="Op">The entry point it is in, or null between entry points.</param>
/// <param name="Wait">The lock it spins on, or null.</param>
/// <param name="Note">Where the harness says it is between entry points, or null.</param>
public readonly record struct CpuActivitySnapshot(long OpSeq, AllocatorOp? Op, long Arg0, long Arg1, LockWaitNote? Wait, string? Note);
