namespace PcpTestbed.Coyote.Repro;

/// <summary>One part of a window size's turn in explore --from-repro (<see cref="ReproWindowSchedule"/>): its iterations, what it found (null: nothing) and its wall time, setup included.</summary>
public sealed record ReproWindowResult(int Window, int Iterations, string? Violation, double Seconds);
