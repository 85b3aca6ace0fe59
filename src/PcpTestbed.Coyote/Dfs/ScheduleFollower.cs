namespace PcpTestbed.Coyote.Dfs;

/// <summary>
/// Runs a given schedule (<see cref="ScheduleStep"/>s: a recorded one, a prefix of it, or an edit). At each step it picks
/// the recorded CPU if that CPU can run and stands at the recorded point (kind and site). Otherwise the first such step is
/// the <see cref="Divergence"/>; then it stops the iteration (a strict replay), or picks the recorded CPU anyway if it
/// can run, else the default policy's choice (<see cref="SchedulePolicy"/>). Past the schedule's end it follows the
/// default policy.
/// </summary>
internal sealed class ScheduleFollower(IReadOnlyList<ScheduleStep> schedule, bool stopAtDivergence) : IScheduleChooser
{
    /// <summary>The first step that did not meet its recorded point, or null.</summary>
    public Divergence? Divergence { get; private set; }

    /// <summary>Steps that ran as recorded (the recorded CPU at the recorded point).</summary>
    public int Followed { get; private set; }

    public int Choose(DfsController controller, int index, int enabled, int previous)
    {
        if (index >= schedule.Count)
        {
            return SchedulePolicy.Default(enabled, previous);
        }

        var want = schedule[index];
        var runnable = want.Cpu < controller.Cpus && (enabled & (1 << want.Cpu)) != 0;
        if (runnable)
        {
            var at = controller.PendingOf(want.Cpu);
            if (at.KindName == want.Kind && at.SiteName == want.Site)
            {
                Followed++;
                return want.Cpu;
            }
        }

        Divergence ??= new Divergence(index + 1, want.Label, Found(controller, want.Cpu));
        if (stopAtDivergence)
        {
            return -1;
        }

        return runnable ? want.Cpu : SchedulePolicy.Default(enabled, previous);
    }

    private static string Found(DfsController controller, int cpu)
    {
        if (cpu >= controller.Cpus)
        {
            return $"(none: the scenario has no CPU {cpu})";
        }

        if (!controller.IsLive(cpu))
        {
            return $"(none: CPU {cpu} has ended its script)";
        }

        var at = controller.PendingOf(cpu);
        var label = Divergence.Label(at.SiteName, at.KindName, cpu);
        return controller.IsBlocked(cpu) ? $"{label}, which waits for a held lock" : label;
    }
}
