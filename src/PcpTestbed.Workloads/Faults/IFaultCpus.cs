namespace PcpTestbed.Workloads.Faults;

/// <summary>What the fault injector asks of the engine running the CPUs: hotplug, and work run as a CPU.</summary>
internal interface IFaultCpus
{
    void TakeOffline(int cpu);

    void BringOnline(int cpu);

    /// <summary>The CPU has left its body (its budget spent, or the run stopping): it runs no more work.</summary>
    bool IsFinished(int cpu);

    /// <summary>Runs <paramref name="work"/> as <paramref name="cpu"/>; false when the CPU can no longer run it (the run is ending).</summary>
    bool Run(int cpu, string what, Action<int> work);
}
