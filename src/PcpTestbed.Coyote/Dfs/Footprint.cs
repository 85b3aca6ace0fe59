using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote.Dfs;

/// <summary>
/// The one shared thing a step of our scheduler does, for partial-order reduction: a location read or written, a lock
/// operated on, or an operation boundary. Two steps of different CPUs are dependent when they touch the same object
/// and do not commute: two reads commute; every operation on a lock is a write of the lock (lock, trylock, unlock and
/// a waiter's registration all change what the next one sees); two operation beginnings commute, and so do two ends,
/// but a beginning and an end do not (which end is the last busy CPU's, and so runs the auditor, depends on their
/// order). Steps of the same CPU are always ordered by the program, whatever their footprints.
/// </summary>
internal readonly record struct Footprint(long Object, FootprintMode Mode)
{
    private const long LocationSpace = 1L << 40;
    private const long LockSpace = 2L << 40;
    private const long OperationSpace = 3L << 40;

    public static Footprint None => default;

    public static Footprint OpBegin => new(OperationSpace, FootprintMode.OpBegin);

    public static Footprint OpEnd => new(OperationSpace, FootprintMode.OpEnd);

    public static Footprint Read(SharedLocation location) => new(Key(location), FootprintMode.Read);

    public static Footprint Write(SharedLocation location) => new(Key(location), FootprintMode.Write);

    public static Footprint Lock(LockClass c, int instance) => new(LockSpace | ((long)c << 32) | (uint)instance, FootprintMode.Write);

    /// <summary>Whether this step and <paramref name="other"/>, run by different CPUs, may not be swapped.</summary>
    public bool DependsOn(Footprint other)
    {
        if (Mode == FootprintMode.None || other.Mode == FootprintMode.None || Object != other.Object)
        {
            return false;
        }

        // Reads of one location commute, and so do two beginnings or two ends; a read never shares an object with a
        // boundary, so differing modes without a write are a beginning and an end.
        return Mode == FootprintMode.Write || other.Mode == FootprintMode.Write || Mode != other.Mode;
    }

    /// <summary>
    /// One of 64 bits standing for the object (0 for no footprint): footprints with no bit in common are independent, so
    /// the bits filter the pairs <see cref="DependsOn"/> need check. Distinct objects may share a bit.
    /// </summary>
    public long ObjectBit => Mode == FootprintMode.None ? 0 : 1L << (int)((ulong)(Object * -7046029254386353131L) >> 58);

    /// <summary>
    /// The locks that guard this step's location where the model touches it without a point (one bit each,
    /// <see cref="LockBit"/>): a step of another CPU holding one of them may touch the location, so the two steps are
    /// dependent. A PCP's fields and lists are guarded by that CPU's pcp->lock (the lock-free variant's remote list head
    /// too: its owner takes the list under it); the zone's free areas, owned_blocks lists, counters, flags and pageblock
    /// words by zone->lock; a struct page by zone->lock while free in the zone and by a pcp->lock while on that PCP, so by
    /// every lock. Locations no lock guards (online masks, the drain mutex, a scenario's own) and non-locations have none.
    /// </summary>
    public long GuardingLocks
    {
        get
        {
            if ((Object & ~((1L << 40) - 1)) != LocationSpace)
            {
                return 0;
            }

            var kind = (LocationKind)((Object >> 32) & 0xff);
            var index = (int)(uint)Object;
            return kind switch
            {
                LocationKind.PcpCount or LocationKind.PcpHigh or LocationKind.PcpSizing or LocationKind.PcpLists or LocationKind.PcpRemoteFreeHead => LockBit(LockClass.Pcp, index),
                LocationKind.PageblockWord or LocationKind.FreeArea or LocationKind.OwnedBlocks or LocationKind.ZoneCounters or LocationKind.ZoneHighatomic
                    or LocationKind.ZoneFlags or LocationKind.ZoneWatermarkBoost => LockBit(LockClass.Zone, 0),
                LocationKind.Page => -1L,
                _ => 0,
            };
        }
    }

    /// <summary>One lock instance's bit in a mask of held locks: bit 0 for zone->lock, bit 1 + n for pcp->lock#n (n up to 62; higher CPUs share the last bit).</summary>
    public static long LockBit(LockClass c, int instance) => c == LockClass.Zone ? 1L : 1L << (1 + Math.Min(instance, 62));

    private static long Key(SharedLocation location) => LocationSpace | ((long)location.Kind << 32) | (uint)location.Index;
}
