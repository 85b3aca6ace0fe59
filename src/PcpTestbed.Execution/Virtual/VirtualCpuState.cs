namespace PcpTestbed.Execution.Virtual;

/// <summary>Where an emulated CPU of a <see cref="VirtualMachine"/> stands between steps.</summary>
public enum VirtualCpuState : byte
{
    /// <summary>Runs steps whenever its clock is the earliest.</summary>
    Runnable,

    /// <summary>Taken offline by <see cref="VirtualMachine.TakeOffline"/>: runs nothing until brought back.</summary>
    Offline,

    /// <summary>Its step returned false, or its budget is spent: it runs no more steps in this run.</summary>
    Finished,
}
