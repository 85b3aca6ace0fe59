using PcpTestbed.Model.Sync;

namespace PcpTestbed.Model.Tests;

/// <summary>A scheduling point the zone made: a read or a write, on what, where.</summary>
internal readonly record struct ZonePoint(bool Write, SharedLocation Location, AccessSite Site);

/// <summary>
/// A zone seam that records every scheduling point the zone makes and checks lockdep as a zone on no CPU does (somebody
/// holds the lock). <see cref="AtPoint"/> runs at a point, before the access it precedes, so a test can act there as
/// another CPU would between two steps.
/// </summary>
internal sealed class RecordingZoneSeam : IZoneSeam
{
    private bool _inHook;

    public List<ZonePoint> Points { get; } = [];

    public Action<ZonePoint>? AtPoint { get; set; }

    public void AssertHeld(ref EmuSpinLock l, string where)
    {
        if (l.State == 0)
        {
            throw new LockdepException(LockdepReports.NotHeld(l, -1, where));
        }
    }

    public void SharedRead(SharedLocation location, AccessSite site) => Note(new ZonePoint(false, location, site));

    public void SharedWrite(SharedLocation location, AccessSite site) => Note(new ZonePoint(true, location, site));

    private void Note(ZonePoint point)
    {
        Points.Add(point);
        if (AtPoint != null && !_inHook)
        {
            // What the hook does as "another CPU" makes points of its own: they are recorded, not hooked again.
            _inHook = true;
            try
            {
                AtPoint(point);
            }
            finally
            {
                _inHook = false;
            }
        }
    }
}
