namespace PcpTestbed.Coyote;

/// <summary>How far a long exploration has come.</summary>
public readonly record struct ExploreProgress(int IterationsDone, int Iterations, double IterationsPerSecond, TimeSpan Elapsed);
