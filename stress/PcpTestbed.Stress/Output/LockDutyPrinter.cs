using PcpTestbed.Execution.LockStat;
using Spectre.Console;

namespace PcpTestbed.Stress.Output;

/// <summary>
/// Below a lock class's table: each CPU's lock duty (share of the run spent holding the class) and, for failed
/// trylocks, the site holding the lock when each failed, both ways round, as lock_stat shows contention points.
/// </summary>
public static class LockDutyPrinter
{
    public static void Print(IAnsiConsole c, LockClassStats cls)
    {
        var name = Markup.Escape(cls.Name);
        if (cls.Duty is { } duty)
        {
            c.MarkupLine($"[bold]{name} duty[/] (share of each CPU's run time holding it, from sampled holds): {Markup.Escape(duty.Describe())}");
            c.WriteLine($"  per CPU: {duty.DescribeCpus()}{(duty.FewSamples ? $"   (* rough: {LockDutyEstimator.RoughRule})" : "")}");
            var sites = cls.Sites.Where(s => s.Duty is { Max: > 0 }).OrderByDescending(s => s.Duty!.Mean)
                .Select(s => $"{s.Name} {LockDutyStats.Percent(s.Duty!.Mean)} / {LockDutyStats.Percent(s.Duty.Max)}{(s.Duty.FewSamples ? "*" : "")}")
                .ToList();
            if (sites.Count != 0)
            {
                c.WriteLine($"  by site, mean / max over CPUs: {string.Join(", ", sites)}");
            }
        }
        else if (cls.Acquisitions != 0)
        {
            c.MarkupLine($"[bold]{name} duty[/]: not estimated (no hold times were sampled)");
        }

        var failing = cls.Sites.Where(s => s.TrylockCollisions.Count != 0).OrderByDescending(s => s.TrylockFailures).ToList();
        if (failing.Count == 0)
        {
            return;
        }

        c.MarkupLine($"[bold]{name} trylock failures[/], by the site holding the lock when they failed (read without the lock, like lock_stat's contending points):");
        foreach (var s in failing)
        {
            c.WriteLine($"  {s.Name} {Fmt.N(s.TrylockFailures)}: {s.DescribeCollisions()}");
        }

        var holders = cls.Sites.Where(s => s.TrylockFailuresCaused != 0).OrderByDescending(s => s.TrylockFailuresCaused)
            .Select(s => $"{s.Name} {Fmt.N(s.TrylockFailuresCaused)}");
        c.WriteLine($"  failures caused, by holder site: {string.Join(", ", holders)}");
    }
}
