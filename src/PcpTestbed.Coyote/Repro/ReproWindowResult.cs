namespace PcpTestbed.Coyote.Repro;

/// <summary>One window size explore --from-repro tried: its iterations, what it found (null: nothing) and its wall time, setup included.</summary>
public sealed record ReproWindowResult(int Window, int Iterations, string? Violation, double Seconds);
