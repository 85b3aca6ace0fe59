namespace PcpTestbed.Execution.LockStat;

/// <summary>
/// Lock duty of one class over a run: each CPU's share of the run spent holding a lock of the class, estimated from
/// the sampled hold times (<see cref="LockDutyEstimator"/>), and min, mean and max over the CPUs.
/// </summary>
/// <param name="Seconds">The run time every duty is a share of: the run's wall time, start barrier to the last CPU leaving its loop.</param>
/// <param name="Utilisation">
/// For a class with one lock (zone->lock): the share of the run the lock was held by anyone, the sum of the CPUs'
/// duties (holds of one lock never overlap). Null for pcp->lock, a lock per CPU. Only sampling error can take it
/// above 1; its relative error then says so.
/// </param>
/// <param name="UtilisationRelativeError">The relative standard error of <see cref="Utilisation"/>.</param>
/// <param name="FewSamples">Some CPU that took the lock has a duty resting on too few samples to mean much.</param>
public sealed record LockDutyStats(
    double Seconds,
    double Min,
    double Mean,
    double Max,
    double? Utilisation,
    double? UtilisationRelativeError,
    long HoldEstimatedNs,
    bool FewSamples,
    IReadOnlyList<CpuLockDuty> Cpus)
{
    /// <summary>"min 0.81%, mean 1.20%, max 2.03% over 5 CPUs; utilisation 6.02% (±2.1%)", and what is rough.</summary>
    public string Describe()
    {
        var text = $"min {Percent(Min)}, mean {Percent(Mean)}, max {Percent(Max)} over {Cpus.Count} CPUs";
        if (Utilisation is { } u)
        {
            text += $"; utilisation (held by anyone) {Percent(u)}";
            if (UtilisationRelativeError is { } e)
            {
                text += $" (±{Percent(e, 1)} of it)";
            }
        }

        var rough = Cpus.Where(c => c.FewSamples).Select(c => c.Cpu).ToList();
        return rough.Count == 0
            ? text
            : $"{text}; rough ({LockDutyEstimator.RoughRule}) on CPU {string.Join(",", rough)}";
    }

    /// <summary>Each CPU's duty, "0: 1.10%  1: 1.31%*", a star marking a rough one.</summary>
    public string DescribeCpus() => string.Join("  ", Cpus.Select(c => $"{c.Cpu}: {Percent(c.Duty)}{(c.FewSamples ? "*" : "")}"));

    /// <summary>A fraction as a percentage with <paramref name="decimals"/> decimals, invariant culture.</summary>
    public static string Percent(double fraction, int decimals = 2) =>
        (fraction * 100).ToString("F" + decimals, System.Globalization.CultureInfo.InvariantCulture) + "%";
}
