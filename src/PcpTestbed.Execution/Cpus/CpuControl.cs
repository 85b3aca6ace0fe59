using System.Runtime.InteropServices;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Cpus;

/// <summary>
/// The words a CPU touches at every quiescent point, on a cache line of their own (padded on both sides as in
/// dotnet/runtime's PaddedHeadAndTail): the CPU reads <see cref="Requests"/> and bumps <see cref="Operations"/>,
/// the coordinator writes <see cref="Requests"/> rarely. With nothing requested a quiescent point shares no line
/// with any other CPU.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 3 * CacheLine.Size)]
internal struct CpuControl // do not make readonly: the CPU and the coordinator write these fields
{
    /// <summary>
    /// <see cref="CpuMachine"/>'s request bits (park, offline, stop; <see cref="CpuMachine.RequestMask"/>) and the
    /// <see cref="CpuSignals"/> pending on the CPU. Every write is atomic (<see cref="Interlocked.Or(ref int, int)"/>,
    /// <see cref="Interlocked.And(ref int, int)"/>): the coordinator sets and clears requests under the machine's gate,
    /// any thread raises signals without it, and the CPU takes its signals without it. The CPU reads the word without a
    /// lock and takes the gate only when a request bit is set.
    /// </summary>
    [FieldOffset(CacheLine.Size)]
    public int Requests;

    /// <summary>Operations started. Written only by the CPU; read racily by the coordinator.</summary>
    [FieldOffset(CacheLine.Size + sizeof(long))]
    public long Operations;
}
