using PcpTestbed.Stress.Tests.Support;

namespace PcpTestbed.Stress.Tests;

public class OutputFormatTests
{
    [Fact]
    public void Lock_stat_format_prints_proc_lock_stat_with_its_header_and_the_zone_lock_class()
    {
        var outcome = Shell.Run("run", "--workload", "purge", "--cpus", "3", "--ops", "3000", "--zone-size", "64M", "--format", "lock_stat", "--quiet");
        Assert.True(outcome.Exit == 0, outcome.ToString());
        var lines = outcome.Out.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("lock_stat version 0.4", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.TrimStart().StartsWith("&zone->lock:", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("class name") && l.Contains("con-bounces") && l.Contains("holdtime-avg"));
    }

    [Fact]
    public void The_table_format_prints_a_lock_table_per_class_the_summary_and_the_pageblock_sections()
    {
        var outcome = Shell.Run("run", "--design", "pageblock", "--workload", "purge", "--cpus", "3", "--ops", "3000", "--zone-size", "64M", "--quiet");
        Assert.True(outcome.Exit == 0, outcome.ToString());
        var o = outcome.Out;
        Assert.Contains("ops/s", o);
        Assert.Contains("allocations", o);
        Assert.Contains("pages held at the end", o);
        Assert.Contains("0 violations, 0 pages lost", o);
        Assert.Contains("zone->lock: times in ns", o);
        Assert.Contains("pcp->lock: times in ns", o);
        foreach (var column in (string[])["acquisitions", "contentions", "trylock-fail", "bounces", "min", "mean", "p50", "p99", "p99.9", "max"])
        {
            Assert.Contains(column, o);
        }

        Assert.Contains("refill phases", o);
        Assert.Contains("P0", o);
        Assert.Contains("remote frees:", o);
        Assert.Contains("sources (pages served", o);
        Assert.Contains("highatomic", o);
        if (Environment.ProcessorCount < 3)
        {
            Assert.Contains($"oversubscribed: 3 CPU threads on {Environment.ProcessorCount} host cores", o);
        }
    }

    [Fact]
    public void The_table_format_prints_each_classs_duty_its_trylock_collisions_and_the_sampled_free_pages()
    {
        var (outcome, run) = Shell.RunJson(0, "run", "--design", "pageblock", "--workload", "purge", "--cpus", "4", "--ops", "20000", "--zone-size", "64M", "--quiet");
        var o = outcome.Out;
        Assert.Contains("zone->lock duty (share of each CPU's run time holding it", o);
        Assert.Contains("pcp->lock duty (share of each CPU's run time holding it", o);
        Assert.Contains("utilisation (held by anyone)", o);
        Assert.Contains("per CPU: 0: ", o);
        if (RunJson.Lock(run, "pcp->lock").GetProperty("trylockFailures").GetInt64() > 0)
        {
            Assert.Contains("pcp->lock trylock failures, by the site holding the lock", o);
            Assert.Contains("failures caused, by holder site:", o);
        }

        Assert.Contains("vmstat: pgalloc", o);
        Assert.Contains("nr_free_pages", o);
        Assert.Contains("nr_reserved_highatomic", o);
        Assert.Contains("free pages by migratetype", o);
    }

    [Fact]
    public void The_lock_stat_format_adds_duty_and_trylock_collisions_after_the_kernels_classes()
    {
        var outcome = Shell.Run("run", "--design", "pageblock", "--workload", "purge", "--cpus", "3", "--ops", "3000", "--zone-size", "64M", "--format", "lock_stat", "--quiet");
        Assert.True(outcome.Exit == 0, outcome.ToString());
        var lines = outcome.Out.Split('\n');
        var extensions = Array.FindIndex(lines, l => l.StartsWith("lock_stat testbed extensions", StringComparison.Ordinal));
        Assert.True(extensions > 0, outcome.Out);
        Assert.True(Array.FindIndex(lines, l => l.TrimStart().StartsWith("&zone->lock:", StringComparison.Ordinal)) < extensions);
        Assert.Contains(lines[extensions..], l => l.Contains("duty-mean%") && l.Contains("utilisation%") && l.Contains("trylock-fail"));
        Assert.Contains(lines[extensions..], l => l.Contains("cpu 0"));
    }

    [Fact]
    public void Redirected_output_gets_plain_progress_lines_on_the_error_stream()
    {
        var outcome = Shell.Run("run", "--seconds", "1.3", "--cpus", "2", "--zone-size", "64M");
        Assert.True(outcome.Exit == 0, outcome.ToString());
        var progress = outcome.ErrLines.Where(l => l.StartsWith("progress: ", StringComparison.Ordinal)).ToList();
        Assert.True(progress.Count >= 2, outcome.Err);
        Assert.Contains(progress, l => l.Contains(" of 1.3 s") && l.Contains("left"));
        Assert.Equal(progress.Count, outcome.ErrLines.Length);
    }

    [Fact]
    public void Receivers_that_leave_no_cpu_to_consume_are_noted_not_clamped_silently()
    {
        // udp keeps one CPU to consume its receives: --receivers 2 on 2 CPUs runs 1 receiver, and says so.
        var outcome = Shell.Run("run", "--workload", "udp", "--receivers", "2", "--cpus", "2", "--ops", "2000", "--zone-size", "64M", "--no-pressure", "--quiet");

        Assert.True(outcome.Exit == 0, outcome.ToString());
        Assert.Contains("note: --receivers 2: with 2 CPUs at most 1 receive; the rest consume", outcome.Out);
    }
}
