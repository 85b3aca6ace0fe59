using PcpTestbed.Execution.Virtual;

namespace PcpTestbed.Execution.Tests.Virtual;

/// <summary>A cost model of distinct round numbers, so every expected clock in a test can be worked out by hand.</summary>
internal static class TestCosts
{
    public const long LockNs = 10;
    public const long HandoverNs = 7;
    public const long UnlockNs = 1;
    public const long TrylockNs = 11;
    public const long TrylockFailNs = 2;
    public const long AtomicNs = 3;
    public const long ZoneListOpNs = 5;
    public const long PcpListOpNs = 4;
    public const long ChunkMoveNs = 9;
    public const long MergeStepNs = 6;
    public const long PageScanNs = 1;
    public const long AllocPathNs = 20;
    public const long FreePathNs = 30;
    public const long TransferNs = 100;
    public const long ZoneLines = 3;
    public const long PcpLines = 2;
    public const long RemoteListOpLines = 1;

    public static readonly CostModel Costs = new("test costs",
    [
        LockNs, HandoverNs, UnlockNs, TrylockNs, TrylockFailNs, AtomicNs, ZoneListOpNs, PcpListOpNs, ChunkMoveNs, MergeStepNs, PageScanNs,
        AllocPathNs, FreePathNs, TransferNs, ZoneLines, PcpLines, RemoteListOpLines,
    ]);

    /// <summary>ns to the engine's ps.</summary>
    public static long Ps(long ns) => ns * 1000;
}
