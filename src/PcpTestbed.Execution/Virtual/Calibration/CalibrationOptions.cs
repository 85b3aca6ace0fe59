namespace PcpTestbed.Execution.Virtual.Calibration;

/// <summary>How long <see cref="CostCalibrator"/> measures, and what it is given to measure beyond this project.</summary>
/// <param name="Rounds">Each loop runs this many times, the loops taking turns; each keeps its fastest run.</param>
/// <param name="Iterations">Operations per run of a loop: a few ms, so some runs fit in one scheduler slice.</param>
/// <param name="PingPongRoundTrips">
/// Round trips of a cache line between two pinned threads per run: about 0.3 ms, so that on a busy host some runs
/// see both threads on their cores throughout.
/// </param>
/// <param name="AllocFreePair">
/// Runs n order-0 alloc+free pairs that hit a warm PCP on the real allocator (mainline, OS threads, recording and
/// lockdep off) and returns the ns they took; null leaves the entry paths at <paramref name="Base"/>'s values.
/// (The designs are beyond this project, so the command line supplies it.)
/// </param>
/// <param name="Base">The model whose values are kept for what cannot be measured here (the cache-line counts).</param>
public sealed record CalibrationOptions(
    int Rounds = 40,
    int Iterations = 100_000,
    int PingPongRoundTrips = 2_000,
    Func<int, double>? AllocFreePair = null,
    CostModel? Base = null)
{
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Rounds, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(Iterations, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(PingPongRoundTrips, 1);
    }
}
