namespace PcpTestbed.Coyote;

/// <summary>How far a long exploration has come, and how many of its iterations met another class than the one sought (<see cref="ExploreOptions.SoughtInvariant"/>).</summary>
public readonly record struct ExploreProgress(int IterationsDone, int Iterations, double IterationsPerSecond, TimeSpan Elapsed, int OtherViolations = 0);
