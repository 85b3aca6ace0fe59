using PcpTestbed.Coyote.Repro;

namespace PcpTestbed.Coyote.Tests;

/// <summary>
/// How explore --from-repro spends its budget over the window sizes (<see cref="ReproWindowSchedule"/>), on a clock of its
/// own: each size's iterations cost a fixed time, and one iteration of one size finds the recorded class.
/// </summary>
public class ReproWindowScheduleTests
{
    [Fact]
    public void A_size_of_slow_iterations_gets_its_share_and_the_larger_sizes_their_turn()
    {
        // The last 2,048 and 4,096 take 4 s an iteration and hold nothing; the last 8,192 find it in their first iteration.
        // With 200 iterations a size and no share, the last 2,048 would spend the whole 120 s.
        var search = new FakeSearch(new()
        {
            [2048] = (4.0, null), [4096] = (4.0, null), [8192] = (1.0, 0), [1] = (0.01, null), [2] = (0.01, null),
        });

        var everyTried = search.Run([2048, 4096, 8192, 1, 2], TimeSpan.FromSeconds(120));

        Assert.False(everyTried);
        Assert.True(search.Found);
        Assert.True(search.Now < TimeSpan.FromSeconds(120));
        Assert.Contains(search.Requests, r => r.Window == 8192);
    }

    [Fact]
    public void A_turns_first_iteration_runs_whole_even_past_its_share()
    {
        // The first window's first iteration finds it after 39 s, more than its share (120 s over 4 sizes); the smaller
        // windows' 200 iterations would take 40 s each.
        var search = new FakeSearch(new()
        {
            [16384] = (39.0, 0), [1] = (0.2, null), [2] = (0.2, null), [4] = (0.2, null),
        });

        search.Run([16384, 1, 2, 4], TimeSpan.FromSeconds(120));

        Assert.True(search.Found);
        Assert.Equal(TimeSpan.FromSeconds(39), search.Now);
    }

    [Fact]
    public void A_size_its_share_cut_short_resumes_where_it_stopped_after_the_others()
    {
        // Window 1's 8th iteration finds it; its share of 10 s (over 2 sizes) is 5 iterations; window 2 is quick. Each turn
        // is its first iteration, then the rest within the share.
        var search = new FakeSearch(new() { [1] = (1.0, 7), [2] = (0.001, null) });

        search.Run([1, 2], TimeSpan.FromSeconds(10));

        Assert.True(search.Found);
        Assert.Equal([(1, 0), (1, 1), (2, 0), (2, 1), (1, 5), (1, 6)], search.Requests.Select(r => (r.Window, r.Done)));
    }

    [Fact]
    public void A_size_that_met_another_violation_is_done_and_the_budget_ends_the_search()
    {
        // Window 1 meets another violation in its first iteration (0.1 s); window 2 never finds it, and takes 1 s an
        // iteration: it has the 29.9 s left, over its turns.
        var search = new FakeSearch(new() { [1] = (0.1, null), [2] = (1.0, null) }) { OtherViolation = 1 };

        var everyTried = search.Run([1, 2], TimeSpan.FromSeconds(30));

        Assert.False(everyTried);
        Assert.False(search.Found);
        Assert.Single(search.Requests, r => r.Window == 1);
        Assert.Equal(29, search.Requests.Where(r => r.Window == 2).Sum(r => search.Completed[r]));
        Assert.Equal(TimeSpan.FromSeconds(30), search.Now);
    }

    [Fact]
    public void Once_every_size_had_its_iterations_another_round_goes_on_with_new_ones_within_the_budget()
    {
        // Window 1's 251st iteration finds it: past the first round's 200 (both sizes' take 4 s of the 30 s budget).
        var search = new FakeSearch(new() { [1] = (0.01, 250), [2] = (0.01, null) });

        search.Run([1, 2], TimeSpan.FromSeconds(30));

        Assert.True(search.Found);
        Assert.Equal([(1, 0), (1, 1), (2, 0), (2, 1), (1, 200), (1, 201)], search.Requests.Select(r => (r.Window, r.Done)));
    }

    [Fact]
    public void A_search_that_finds_nothing_spends_its_whole_budget_and_counts_every_size_tried()
    {
        var search = new FakeSearch(new() { [1] = (0.01, null), [2] = (0.01, null) });

        var everyTried = search.Run([1, 2], TimeSpan.FromSeconds(30));

        Assert.True(everyTried);
        Assert.False(search.Found);
        Assert.True(search.Now >= TimeSpan.FromSeconds(29.9), $"stopped at {search.Now}");
    }

    [Fact]
    public void Without_more_rounds_the_search_ends_once_every_size_had_its_iterations()
    {
        var search = new FakeSearch(new() { [1] = (0.01, 250), [2] = (0.01, null) });

        var everyTried = search.Run([1, 2], TimeSpan.FromSeconds(30), moreRounds: false);

        Assert.True(everyTried);
        Assert.False(search.Found);
        Assert.Equal(TimeSpan.FromSeconds(4), search.Now);
    }

    /// <summary>
    /// Window sizes whose iterations each take <c>Seconds</c> on a clock of its own; the iteration numbered <c>FindsAt</c>
    /// (over the size's parts) finds the recorded class; an iteration the limit would cut ends at the limit, not completed.
    /// </summary>
    private sealed class FakeSearch(Dictionary<int, (double Seconds, int? FindsAt)> sizes)
    {
        public TimeSpan Now { get; private set; }

        public bool Found { get; private set; }

        /// <summary>A size whose first iteration meets another violation, or null.</summary>
        public int? OtherViolation { get; init; }

        public List<ReproWindowSchedule.Request> Requests { get; } = [];

        public Dictionary<ReproWindowSchedule.Request, int> Completed { get; } = [];

        public bool Run(int[] windows, TimeSpan budget, bool moreRounds = true) => ReproWindowSchedule.Run(windows, 200, moreRounds, budget, () => Now, Explore);

        private ReproWindowSchedule.Part Explore(ReproWindowSchedule.Request request)
        {
            Requests.Add(request);
            var (seconds, findsAt) = sizes[request.Window];
            var end = Now + request.Limit;
            var completed = 0;
            for (var i = request.Done; i < request.Done + request.Iterations; i++)
            {
                if (Now + TimeSpan.FromSeconds(seconds) > end)
                {
                    Now = end;
                    break;
                }

                Now += TimeSpan.FromSeconds(seconds);
                completed++;
                if (i == findsAt || request.Window == OtherViolation)
                {
                    Completed[request] = completed;
                    Found = request.Window != OtherViolation;
                    return new ReproWindowSchedule.Part(completed, Found, Violation: true);
                }
            }

            Completed[request] = completed;
            return new ReproWindowSchedule.Part(completed, Found: false, Violation: false);
        }
    }
}
