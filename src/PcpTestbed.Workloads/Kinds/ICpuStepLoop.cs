namespace PcpTestbed.Workloads.Kinds;

/// <summary>A CPU's loop, run with a workload's steps (<see cref="Workload.RunSteps"/>): one instantiation per workload.</summary>
public interface ICpuStepLoop
{
    void Run<TSteps>(TSteps steps)
        where TSteps : struct, IWorkloadSteps;
}
