using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote;

/// <summary>
/// One recorded step, kept small and unformatted: an iteration records every scheduling point, and only
/// a failing iteration is ever turned into text.
/// </summary>
internal readonly record struct StepRecord(
    int Cpu,
    StepKind Kind,
    int OpIndex,
    LockClass Class = LockClass.Zone,
    int Instance = 0,
    LockSite Site = LockSite.PcpAlloc,
    int Value = 0,
    int Value2 = 0);
