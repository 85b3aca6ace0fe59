namespace PcpTestbed.Execution.Cpus;

/// <summary>Where an emulated CPU is, as the coordinator of a <see cref="CpuMachine"/> sees it.</summary>
public enum CpuState
{
    /// <summary>The machine has not started.</summary>
    NotStarted,

    /// <summary>In its body, between quiescent points.</summary>
    Running,

    /// <summary>Parked at a quiescent point for a stop-the-world.</summary>
    Parked,

    /// <summary>Taken offline: parked at a quiescent point until brought online.</summary>
    Offline,

    /// <summary>Its body returned (run over, budget spent, or a fault).</summary>
    Finished,
}
