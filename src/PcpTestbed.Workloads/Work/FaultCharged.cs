namespace PcpTestbed.Workloads.Work;

/// <summary>Each fault calls <see cref="KernelWork.Fault"/>, which charges at the run's scale.</summary>
public readonly struct FaultCharged : IFaultCharge
{
    public static bool Charges => true;
}
