namespace PcpTestbed.Designs;

/// <summary>One PCP's counters at a moment (read racily unless the caller is at a quiescent point).</summary>
public readonly record struct PcpSnapshot(int Count, int High, int HighMin, int HighMax, int Batch, int AllocFactor, int FreeCount);
