using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote;

/// <summary>
/// One recorded step, kept small and unformatted: an iteration records every scheduling point, and only
/// a failing iteration is ever turned into text. Lock steps carry the lock and its site; access steps the
/// location and the access site.
/// </summary>
internal readonly record struct StepRecord(
    int Cpu,
    StepKind Kind,
    int OpIndex,
    LockClass Class = LockClass.Zone,
    int Instance = 0,
    LockSite Site = LockSite.PcpAlloc,
    int Value = 0,
    int Value2 = 0,
    SharedLocation Location = default,
    AccessSite Access = default)
{
    public bool IsLockStep => Kind is StepKind.Lock or StepKind.LockWait or StepKind.TryLockTaken or StepKind.TryLockFailed or StepKind.Unlock
        or StepKind.LockElided or StepKind.UnlockElided;

    public bool IsAccessStep => Kind is StepKind.Read or StepKind.Write or StepKind.CompareExchange or StepKind.Exchange;

    /// <summary>The step's scheduling-point site (<see cref="PointSites"/>), or -1 for a step that is not a point of its own.</summary>
    public int PointSite => IsAccessStep ? PointSites.Of(Access) : IsLockStep && Kind != StepKind.LockWait ? PointSites.Of(Site) : -1;
}
