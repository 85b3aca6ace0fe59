using System.Runtime.InteropServices;

namespace PcpTestbed.Model.Sync;

/// <summary>
/// The one cache-line padding constant. 128 bytes, as in dotnet/runtime's PaddingHelpers: x86 adjacent-line
/// prefetch pairs 64-byte lines, and arm64 server parts use 128-byte lines.
/// </summary>
public static class CacheLine
{
    public const int Size = 128;
}

/// <summary>A cache line of nothing, placed between hot fields written by different CPUs.</summary>
[StructLayout(LayoutKind.Explicit, Size = CacheLine.Size)]
public struct CacheLinePad
{
}
