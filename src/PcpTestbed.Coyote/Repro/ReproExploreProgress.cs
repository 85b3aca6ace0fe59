namespace PcpTestbed.Coyote.Repro;

/// <summary>Where explore --from-repro is: the window size, its iterations so far (those that met another class among them), and the time spent.</summary>
public sealed record ReproExploreProgress(int Window, int MaxWindow, int Iterations, int IterationsPerWindow, TimeSpan Elapsed, int OtherViolations = 0);
