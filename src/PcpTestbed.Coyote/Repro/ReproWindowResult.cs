namespace PcpTestbed.Coyote.Repro;

/// <summary>
/// One window size explore --from-repro tried: its iterations, what ended it (null: nothing; the recorded class, or a violation
/// that ends a search whatever its class, <see cref="ExploreOptions.SoughtInvariant"/>), and the iterations that met another
/// class and were gone past, with the first of them.
/// </summary>
public sealed record ReproWindowResult(int Window, int Iterations, string? Violation, int OtherViolations, string? FirstOtherViolation, int? FirstOtherIteration);
