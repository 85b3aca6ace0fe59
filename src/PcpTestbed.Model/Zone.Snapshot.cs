using PcpTestbed.Model.Layout;

namespace PcpTestbed.Model;

// The zone's exact state at a quiescent point, saved and written back (ZoneSnapshot): explore --from-repro rebuilds a
// run's checkpoint from it. Both run with every CPU parked (nobody holds zone->lock or reads the zone), so plain copies.
public sealed partial class Zone
{
    /// <summary>
    /// Copies every field a later operation reads into <paramref name="into"/> (its arrays reused). Only at a quiescent point:
    /// it reads without locks, as the auditor does.
    /// </summary>
    public void SaveSnapshot(ZoneSnapshot into)
    {
        ArgumentNullException.ThrowIfNull(into);
        CheckSnapshotShape(into);
        Pages.AsSpan().CopyTo(into.Pages);
        Blocks.AsSpan().CopyTo(into.Blocks);
        _freeList.AsSpan().CopyTo(into.FreeLists);
        _nrFree.AsSpan().CopyTo(into.NrFree);
        _nrFreeByType.AsSpan().CopyTo(into.NrFreeByType);
        into.Ownership = Ownership != null;
        if (Ownership != null)
        {
            Ownership.SaveTo(into.OwnedLists);
        }
        else
        {
            Array.Clear(into.OwnedLists);
        }

        into.NrFreePages = _nrFreePages;
        into.NrFreeCmaPages = _nrFreeCmaPages;
        into.NrFreeHighatomic = _nrFreeHighatomic;
        into.NrReservedHighatomic = _nrReservedHighatomic;
        into.NrReservedHighatomicPeak = _nrReservedHighatomicPeak;
        into.HighatomicCapOvershoot = HighatomicCapOvershoot;
        into.WatermarkBoost = _watermarkBoost;
        into.Flags = _flags;
        into.Watermarks = _watermarks;
    }

    /// <summary>
    /// Writes <paramref name="snapshot"/> back into this zone, built from the same spec (the same size) for an allocator of the
    /// same kind (ownership tracked or not, for as many CPUs): after it, every operation finds what it found at the snapshot.
    /// Before any CPU runs or at a quiescent point. A snapshot of another shape is an <see cref="ArgumentException"/>, and
    /// nothing is changed.
    /// </summary>
    public void RestoreSnapshot(ZoneSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        CheckSnapshotShape(snapshot);
        if (snapshot.Ownership != (Ownership != null))
        {
            throw new ArgumentException(
                $"the snapshot is of a zone {(snapshot.Ownership ? "that tracks" : "that does not track")} pageblock ownership; zone {Name} {(Ownership != null ? "does" : "does not")}",
                nameof(snapshot));
        }

        snapshot.Pages.AsSpan().CopyTo(Pages);
        snapshot.Blocks.AsSpan().CopyTo(Blocks);
        snapshot.FreeLists.AsSpan().CopyTo(_freeList);
        snapshot.NrFree.AsSpan().CopyTo(_nrFree);
        snapshot.NrFreeByType.AsSpan().CopyTo(_nrFreeByType);
        Ownership?.RestoreFrom(snapshot.OwnedLists);
        _nrFreePages = snapshot.NrFreePages;
        _nrFreeCmaPages = snapshot.NrFreeCmaPages;
        _nrFreeHighatomic = snapshot.NrFreeHighatomic;
        _nrReservedHighatomic = snapshot.NrReservedHighatomic;
        _nrReservedHighatomicPeak = snapshot.NrReservedHighatomicPeak;
        HighatomicCapOvershoot = snapshot.HighatomicCapOvershoot;
        _watermarkBoost = snapshot.WatermarkBoost;
        _flags = snapshot.Flags;
        _watermarks = snapshot.Watermarks;
    }

    private void CheckSnapshotShape(ZoneSnapshot snapshot)
    {
        if (snapshot.Pages.Length != PresentPages)
        {
            throw new ArgumentException($"the snapshot holds {snapshot.Pages.Length} pages; zone {Name} has {PresentPages}", nameof(snapshot));
        }

        if (Ownership != null && snapshot.Cpus != Ownership.Cpus)
        {
            throw new ArgumentException($"the snapshot holds owned_blocks lists for {snapshot.Cpus} CPUs; zone {Name} tracks {Ownership.Cpus}", nameof(snapshot));
        }
    }
}
