namespace PcpTestbed.Coyote;

/// <summary>Acquisitions (lock, trylock taken or failed, or elided) of one lock class at one site.</summary>
public sealed record LockSiteCount(string Lock, string Site, long Count);
