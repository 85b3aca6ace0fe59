namespace PcpTestbed.Coyote;

/// <summary>An operation of a scenario's script: its CPU and its 0-based index among that CPU's script operations.</summary>
public readonly record struct ScriptOp(int Cpu, int Index);
