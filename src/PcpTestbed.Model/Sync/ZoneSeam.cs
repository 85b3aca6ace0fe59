namespace PcpTestbed.Model.Sync;

/// <summary>An execution, for the zone (<see cref="IZoneSeam"/>).</summary>
public sealed class ZoneSeam<TExec> : IZoneSeam
    where TExec : struct, IExecution
{
    private TExec _exec; // not readonly: calls on a struct field must not copy it

    public ZoneSeam(TExec exec)
    {
        _exec = exec;
    }

    public void AssertHeld(ref EmuSpinLock l, string where) => _exec.AssertHeld(ref l, where);

    public void SharedRead(SharedLocation location, AccessSite site) => _exec.SharedRead(location, site);

    public void SharedWrite(SharedLocation location, AccessSite site) => _exec.SharedWrite(location, site);
}
