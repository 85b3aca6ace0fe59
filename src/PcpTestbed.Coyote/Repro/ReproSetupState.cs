using PcpTestbed.Model.Layout;

namespace PcpTestbed.Coyote.Repro;

/// <summary>
/// What a reproduction's setup left, kept by its scenario after the first iteration whose setup ended: the allocator's state
/// (<see cref="Snapshot"/>), the page each handle named (<see cref="Pfns"/>) and setup's step log (<see cref="Log"/>).
/// </summary>
internal sealed record ReproSetupState(AllocatorSnapshot Snapshot, IReadOnlyDictionary<int, (long Pfn, int Order)> Pfns, StepLog Log);
