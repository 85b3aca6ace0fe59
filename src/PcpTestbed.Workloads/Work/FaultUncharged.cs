namespace PcpTestbed.Workloads.Work;

/// <summary>The kernel work charges nothing (<c>--work-scale 0</c>): the fault path is not called at all.</summary>
public readonly struct FaultUncharged : IFaultCharge
{
    public static bool Charges => false;
}
