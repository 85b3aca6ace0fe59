using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote;

/// <summary>
/// Injected interrupts under Coyote (<see cref="CoyoteController"/>): at a scheduling point of a site in
/// <see cref="Points"/> (a lock or trylock attempt or a shared access, as on threads: <c>HoldDelayProbe.Interrupt</c>), at
/// <see cref="Percent"/> of them (drawn from Coyote's controlled randomness, so a trace replays it; no draw at 100), and never
/// under zone->lock, the CPU stalls: it parks until the other CPUs have taken <see cref="Steps"/> scheduling steps, or until
/// none of them can run (finished, waiting for a lock, or stalled), as the run's busy-wait kept it still while the others ran.
/// </summary>
/// <param name="Points">Per <see cref="PointSites"/> number: whether an interrupt may land there.</param>
internal sealed record InterruptStall(bool[] Points, int Percent, int Steps)
{
    /// <summary>Whether an interrupt may land at this step (its site and kind; the draw and the zone->lock check are the controller's).</summary>
    public bool At(in PendingStep step) =>
        step.Kind is PointKind.Lock or PointKind.TryLock or PointKind.Read or PointKind.Write or PointKind.CompareExchange or PointKind.Exchange &&
        step.PointSite is var site && site >= 0 && Points[site];
}
