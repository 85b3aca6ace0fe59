namespace PcpTestbed.Coyote;

/// <summary>A scheduling-point site and how often an exploration's schedules reached it.</summary>
public sealed record SiteCount(string Site, long Count);
