using System.Runtime.CompilerServices;

namespace PcpTestbed.Model.Sync;

/// <summary>
/// READ_ONCE(), WRITE_ONCE() and atomic bit operations through the execution seam: the scheduling point and the access
/// in one call, so that no racy access to allocator state is made beside the seam. The point comes first; the access
/// is the first thing the step after it does. Under Coyote the write helpers are <c>SchedulingPoint.Write</c>, the
/// read helpers <c>SchedulingPoint.Read</c>; on OS threads the point inlines to nothing and only the access remains.
/// A read-modify-write whose read happens before the point (a plain <c>x = x + n</c> under a lock) is written as a
/// read, then <see cref="WriteOnce{TExec}(ref TExec, ref int, int, SharedLocation, AccessSite)"/> of the sum: a
/// CPU entering the same critical section without the lock can then interleave between the two, and a lost update
/// shows.
/// </summary>
public static class SharedAccess
{
    /// <summary>READ_ONCE(<paramref name="field"/>), which is <paramref name="location"/>, after a read point.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ReadOnce<TExec>(ref this TExec exec, ref int field, SharedLocation location, AccessSite site)
        where TExec : struct, IExecution
    {
        exec.SharedRead(location, site);
        return Volatile.Read(ref field);
    }

    /// <summary>READ_ONCE of a byte field (a page's state), with acquire semantics, after a read point.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte ReadOnce<TExec>(ref this TExec exec, ref byte field, SharedLocation location, AccessSite site)
        where TExec : struct, IExecution
    {
        exec.SharedRead(location, site);
        return Volatile.Read(ref field);
    }

    /// <summary>WRITE_ONCE(<paramref name="field"/>, <paramref name="value"/>) after a write point.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteOnce<TExec>(ref this TExec exec, ref int field, int value, SharedLocation location, AccessSite site)
        where TExec : struct, IExecution
    {
        exec.SharedWrite(location, site);
        Volatile.Write(ref field, value);
    }

    /// <summary>
    /// A store with release semantics of a byte field (a page's state, published after the fields it vouches for),
    /// after a write point.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteOnce<TExec>(ref this TExec exec, ref byte field, byte value, SharedLocation location, AccessSite site)
        where TExec : struct, IExecution
    {
        exec.SharedWrite(location, site);
        Volatile.Write(ref field, value);
    }

    // ---- the zone's seam: null when the execution makes neither checks nor points (plain OS threads) ----------------

    /// <summary>A read point (nothing without a seam).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Read(this IZoneSeam? seam, SharedLocation location, AccessSite site) => seam?.SharedRead(location, site);

    /// <summary>A write point (nothing without a seam).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Write(this IZoneSeam? seam, SharedLocation location, AccessSite site) => seam?.SharedWrite(location, site);

    /// <summary>READ_ONCE(<paramref name="field"/>) after a read point.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ReadOnce(this IZoneSeam? seam, ref int field, SharedLocation location, AccessSite site)
    {
        seam?.SharedRead(location, site);
        return Volatile.Read(ref field);
    }

    /// <summary>READ_ONCE(<paramref name="field"/>) after a read point.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long ReadOnce(this IZoneSeam? seam, ref long field, SharedLocation location, AccessSite site)
    {
        seam?.SharedRead(location, site);
        return Volatile.Read(ref field);
    }

    /// <summary>WRITE_ONCE(<paramref name="field"/>, <paramref name="value"/>) after a write point.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteOnce(this IZoneSeam? seam, ref int field, int value, SharedLocation location, AccessSite site)
    {
        seam?.SharedWrite(location, site);
        Volatile.Write(ref field, value);
    }

    /// <summary>WRITE_ONCE(<paramref name="field"/>, <paramref name="value"/>) after a write point.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteOnce(this IZoneSeam? seam, ref long field, long value, SharedLocation location, AccessSite site)
    {
        seam?.SharedWrite(location, site);
        Volatile.Write(ref field, value);
    }

    /// <summary>set_bit(): an atomic OR of <paramref name="bits"/> into <paramref name="field"/>, after a write point.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetBits(this IZoneSeam? seam, ref int field, int bits, SharedLocation location, AccessSite site)
    {
        seam?.SharedWrite(location, site);
        Interlocked.Or(ref field, bits);
    }

    /// <summary>clear_bit(): an atomic AND NOT of <paramref name="bits"/> out of <paramref name="field"/>, after a write point.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ClearBits(this IZoneSeam? seam, ref int field, int bits, SharedLocation location, AccessSite site)
    {
        seam?.SharedWrite(location, site);
        Interlocked.And(ref field, ~bits);
    }
}
