namespace PcpTestbed.Coyote.Repro;

/// <summary>One window size explore --from-repro tried: its iterations and what it found (null: nothing).</summary>
public sealed record ReproWindowResult(int Window, int Iterations, string? Violation);
