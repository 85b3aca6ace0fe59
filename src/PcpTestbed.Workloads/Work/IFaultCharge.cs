namespace PcpTestbed.Workloads.Work;

/// <summary>
/// Whether a workload's hot steps charge the fault path (<see cref="KernelWork.Fault"/>), as a type the steps are generic
/// over (a generic struct seam, like the lock probes): at <c>--work-scale 0</c> (<see cref="KernelWork.Charges"/> false)
/// the steps are compiled without the test, so the allocator calls run back to back as in the bare loop. The test is two
/// dependent loads and a branch per fault, yet taking it out of page-fault's steps saved 0.5-0.7 ns of 48 per operation
/// (2026-12-07 08:31-08:59, the CPU thread's own time per operation, by ablation in a scratch build of the scaling
/// measurement: stress/PcpTestbed.Benchmarks/RESULTS.md, "Where the 5.3 ns went", the row without the test per fault).
/// </summary>
public interface IFaultCharge
{
    static abstract bool Charges { get; }
}
