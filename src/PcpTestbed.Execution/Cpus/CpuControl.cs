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
    /// <see cref="CpuMachine"/>'s request bits (park, offline, stop). Written by the coordinator under the
    /// machine's gate; read without a lock by the CPU, which takes the gate only when a bit is set.
    /// </summary>
    [FieldOffset(CacheLine.Size)]
    public int Requests;

    /// <summary>Operations started. Written only by the CPU; read racily by the coordinator.</summary>
    [FieldOffset(CacheLine.Size + sizeof(long))]
    public long Operations;
}
