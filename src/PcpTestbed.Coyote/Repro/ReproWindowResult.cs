namespace PcpTestbed.Coyote.Repro;

/// <summary>
/// One part of a window size's turn in explore --from-repro (<see cref="ReproWindowSchedule"/>): its iterations, what ended
/// it (null: nothing; the recorded class, or a violation that ends a search whatever its class,
/// <see cref="ExploreOptions.SoughtInvariant"/>), its wall time (setup included), and the iterations that met another class
/// and were gone past, with the first of them.
/// </summary>
public sealed record ReproWindowResult(int Window, int Iterations, string? Violation, double Seconds, int OtherViolations, string? FirstOtherViolation, int? FirstOtherIteration);
