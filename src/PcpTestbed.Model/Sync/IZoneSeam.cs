namespace PcpTestbed.Model.Sync;

/// <summary>
/// The execution seam as the zone reaches it. <see cref="Zone"/> is not generic over the execution, so the
/// allocator hands it this object (<see cref="ZoneSeam{TExec}"/>) when the execution checks locks; when it does not
/// (plain OS threads), the zone holds none and its checks are one null test.
/// </summary>
public interface IZoneSeam
{
    /// <summary><see cref="IExecution.AssertHeld"/>.</summary>
    void AssertHeld(ref EmuSpinLock l, string where);

    /// <summary><see cref="IExecution.SharedRead"/>.</summary>
    void SharedRead(SharedLocation location, AccessSite site);

    /// <summary><see cref="IExecution.SharedWrite"/>.</summary>
    void SharedWrite(SharedLocation location, AccessSite site);
}
