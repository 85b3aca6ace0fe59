using PcpTestbed.Execution.Locking;
using PcpTestbed.Execution.LockStat;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Tests;

/// <summary>
/// Lock duty: each CPU's hold time on a class estimated from its sampled holds (total of the samples times
/// acquisitions over samples), over the run time, with the sampling error the docs state.
/// </summary>
public class LockDutyTests
{
    [Fact]
    public void A_hold_estimate_scales_the_sampled_total_by_acquisitions_over_samples()
    {
        var sums = new HoldSampleSums(Acquisitions: 6_400, Samples: 100, TotalNs: 25_000, SumOfSquaresNs: 0);

        Assert.Equal(25_000.0 * 6_400 / 100, LockDutyEstimator.HoldNs(sums));
        Assert.Equal(0, LockDutyEstimator.HoldNs(sums with { Samples = 0, TotalNs = 0 }));
    }

    [Fact]
    public void The_estimate_is_unbiased_and_its_stated_error_matches_the_spread_of_repeated_samplings()
    {
        // A population of hold times with a long tail, then many independent 1-in-64 samplings of it: the estimates'
        // mean must sit on the true total, and their spread must be what the estimator's error formula predicts.
        const int population = 20_000;
        const int trials = 400;
        var rng = new Random(11);
        var holds = Enumerable.Range(0, population).Select(_ => (long)(-200 * Math.Log(1 - rng.NextDouble())) + 20).ToArray();
        double truth = holds.Sum();
        var estimates = new List<double>();
        var predicted = new List<double>();
        for (var t = 0; t < trials; t++)
        {
            long n = 0, total = 0;
            double squares = 0;
            foreach (var h in holds)
            {
                if (rng.Next(64) == 0)
                {
                    n++;
                    total += h;
                    squares += (double)h * h;
                }
            }

            var sums = new HoldSampleSums(population, n, total, squares);
            var estimate = LockDutyEstimator.HoldNs(sums);
            estimates.Add(estimate);
            predicted.Add(LockDutyEstimator.RelativeError(estimate, LockDutyEstimator.HoldVarianceNs2(sums))!.Value);
        }

        var mean = estimates.Average();
        var spread = Math.Sqrt(estimates.Sum(e => (e - mean) * (e - mean)) / (trials - 1)) / truth;
        Assert.True(Math.Abs(mean - truth) / truth < 4 * spread / Math.Sqrt(trials), $"mean estimate {mean:F0} against the true {truth:F0}");
        Assert.InRange(spread / predicted.Average(), 0.8, 1.2);
    }

    [Fact]
    public void Timing_every_hold_leaves_no_sampling_error()
    {
        var sums = new HoldSampleSums(Acquisitions: 50, Samples: 50, TotalNs: 5_000, SumOfSquaresNs: 50 * 150.0 * 150.0);

        var variance = LockDutyEstimator.HoldVarianceNs2(sums);

        Assert.Equal(0, variance);
        Assert.Equal(0, LockDutyEstimator.RelativeError(LockDutyEstimator.HoldNs(sums), variance));
    }

    [Theory]
    [InlineData(0, 0, false)] // never taken: an exact 0
    [InlineData(10_000, 1, true)] // taken, one sample: no error can be told
    [InlineData(10_000, LockDutyEstimator.MinSamples - 1, true)]
    [InlineData(100_000, 1_000, false)]
    public void A_duty_is_rough_below_the_minimum_samples_but_an_untaken_lock_is_not(long acquisitions, long samples, bool rough)
    {
        // Holds of 100 ns give or take 10: the relative error is small once there are enough samples.
        var sums = new HoldSampleSums(acquisitions, samples, samples * 100, samples * ((100.0 * 100) + (10.0 * 10)));

        var error = LockDutyEstimator.RelativeError(LockDutyEstimator.HoldNs(sums), LockDutyEstimator.HoldVarianceNs2(sums));

        Assert.Equal(rough, LockDutyEstimator.IsRough(sums, error));
    }

    [Fact]
    public void A_duty_is_rough_when_its_relative_error_is_above_the_bound_however_many_samples()
    {
        // Half the holds 0 ns, half 10 us, and only 1 in 20,000 timed: 50 samples, more than the minimum, yet a
        // coefficient of variation of 1 leaves a relative error of about 1 / sqrt(50), 14 %.
        var sums = new HoldSampleSums(Acquisitions: 1_000_000, Samples: 50, TotalNs: 25 * 10_000, SumOfSquaresNs: 25 * 1e8);

        var error = LockDutyEstimator.RelativeError(LockDutyEstimator.HoldNs(sums), LockDutyEstimator.HoldVarianceNs2(sums));

        Assert.True(error > LockDutyEstimator.RoughRelativeError, $"relative error {error}");
        Assert.True(LockDutyEstimator.IsRough(sums, error));
    }

    [Fact]
    public void With_every_hold_timed_each_cpus_duty_is_its_hold_total_over_the_run_and_zone_lock_utilisation_is_their_sum()
    {
        var recorder = new LockStatRecorder(cpuCount: 3, holdSampleInterval: 1);
        var exec = new OsExecution<LockStatProbe>(new LockStatProbe(recorder));
        var zone = new EmuSpinLock(LockClass.Zone, 0);
        var pcp = new EmuSpinLock(LockClass.Pcp, 0);
        for (var i = 0; i < 200; i++)
        {
            exec.Lock(ref zone, i % 2, i % 3 == 0 ? LockSite.Refill : LockSite.FreeBulk);
            exec.Unlock(ref zone, i % 2);
            exec.Lock(ref pcp, 0, LockSite.PcpAlloc);
            exec.Unlock(ref pcp, 0);
        }

        var run = TimeSpan.FromMilliseconds(5);
        var report = recorder.Snapshot(run);
        var z = report.Class(LockClass.Zone);
        var duty = z.Duty!;

        Assert.Equal(run.TotalSeconds, duty.Seconds, 12);
        Assert.Equal(3, duty.Cpus.Count);
        Assert.Equal(z.HoldNs.Total, duty.Cpus.Sum(c => c.HoldEstimatedNs));
        foreach (var cpu in duty.Cpus)
        {
            Assert.Equal(cpu.HoldEstimatedNs / run.TotalNanoseconds, cpu.Duty, 9);
            Assert.InRange(cpu.Duty, 0, 1);
        }

        Assert.Equal(duty.Cpus.Sum(c => c.Duty), duty.Utilisation!.Value, 12);
        Assert.Equal(0, duty.UtilisationRelativeError);
        Assert.Equal(duty.Cpus.Min(c => c.Duty), duty.Min);
        Assert.Equal(duty.Cpus.Max(c => c.Duty), duty.Max);

        // CPU 2 never took zone->lock: an exact 0, not a rough one.
        Assert.Equal(0, duty.Cpus[2].Duty);
        Assert.False(duty.Cpus[2].FewSamples);
        Assert.Equal(100, duty.Cpus[0].Acquisitions);

        // The sites' estimates add up to the class's when every hold is timed.
        Assert.Equal(duty.HoldEstimatedNs, z.Sites.Sum(s => s.Duty!.HoldEstimatedNs));

        // pcp->lock is a lock per CPU: no single lock's utilisation.
        Assert.Null(report.Class(LockClass.Pcp).Duty!.Utilisation);
    }

    [Fact]
    public void A_duty_whose_estimate_exceeds_the_run_time_is_clamped_to_one_and_marked_rough()
    {
        var recorder = new LockStatRecorder(cpuCount: 1, holdSampleInterval: 1);
        var exec = new OsExecution<LockStatProbe>(new LockStatProbe(recorder));
        var l = new EmuSpinLock(LockClass.Zone, 0);
        for (var i = 0; i < 10; i++)
        {
            exec.Lock(ref l, 0, LockSite.Refill);
            Thread.SpinWait(1_000); // a hold of microseconds, so the holds outlast the 100 ns "run" below
            exec.Unlock(ref l, 0);
        }

        var duty = recorder.Snapshot(TimeSpan.FromTicks(1)).Class(LockClass.Zone).Duty!;

        var cpu = Assert.Single(duty.Cpus);
        Assert.True(cpu.HoldEstimatedNs > 100, $"holds of {cpu.HoldEstimatedNs} ns");
        Assert.Equal(1, cpu.Duty);
        Assert.True(cpu.FewSamples);
        Assert.Equal(1, duty.Max);
    }

    [Fact]
    public void Without_a_run_time_or_without_hold_samples_there_is_no_duty()
    {
        var none = new LockStatRecorder(cpuCount: 1, holdSampleInterval: 0);
        var exec = new OsExecution<LockStatProbe>(new LockStatProbe(none));
        var l = new EmuSpinLock(LockClass.Zone, 0);
        exec.Lock(ref l, 0, LockSite.Refill);
        exec.Unlock(ref l, 0);

        Assert.Null(none.Snapshot(TimeSpan.FromSeconds(1)).Class(LockClass.Zone).Duty);
        Assert.Null(new LockStatRecorder(cpuCount: 1).Snapshot().Class(LockClass.Zone).Duty);
    }
}
