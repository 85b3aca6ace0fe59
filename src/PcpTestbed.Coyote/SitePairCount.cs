namespace PcpTestbed.Coyote;

/// <summary>
/// Two scheduling-point sites seen adjacent on different CPUs: <see cref="First"/> on one CPU immediately followed by
/// <see cref="Second"/> on another, <see cref="Count"/> times. A race between two sites can only be seen where
/// such a pair occurs.
/// </summary>
public sealed record SitePairCount(string First, string Second, long Count);
