namespace PcpTestbed.Designs;

/// <summary>An operation that, in the kernel, would never complete (a spin over empty lists). The emulation stops it and says so.</summary>
public sealed class PcpHangException(string message) : Exception(message);
