namespace PcpTestbed.Coyote.Repro;

/// <summary>
/// One serial probe of explore --from-repro: the operations up to <paramref name="LastSeq"/> of the global order run one at a
/// time, whether they broke the recorded invariant (null: the budget ran out first) and the probe's wall time.
/// </summary>
public sealed record ReproProbeResult(int LastSeq, bool? Fails, double Seconds);
