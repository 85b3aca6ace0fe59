namespace PcpTestbed.Coyote.Dfs;

/// <summary>
/// One step our scheduler ran: the CPU it picked, the CPUs that could have run (a bit each), the CPU that ran the step
/// before (-1 for the first), what the picked CPU then did (its point's kind, site and shared object), and the locks it
/// held when it was picked (<see cref="Footprint.LockBit"/>).
/// </summary>
internal readonly record struct ExecutedStep(int Cpu, int Enabled, int Previous, PendingStep Step, long Held = 0)
{
    /// <summary>Whether picking <see cref="Cpu"/> preempted the CPU before it, which could have gone on.</summary>
    public bool IsPreemption => Previous >= 0 && Cpu != Previous && (Enabled & (1 << Previous)) != 0;

    public ScheduleStep ToScheduleStep() => new(Cpu, Step.KindName, Step.SiteName);
}
