namespace PcpTestbed.Benchmarks.Rigs;

/// <summary>lock_stat recording: <see cref="Off"/> runs the model over <c>NoLockProbe</c>, <see cref="On"/> over <c>LockStatProbe</c> (1 in 64 holds sampled).</summary>
public enum LockRecording
{
    Off,
    On,
}
