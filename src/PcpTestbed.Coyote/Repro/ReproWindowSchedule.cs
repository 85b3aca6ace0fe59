namespace PcpTestbed.Coyote.Repro;

/// <summary>
/// How explore --from-repro spends its time budget over the window sizes (in <see cref="ReproExplorer.Windows"/>'s order):
/// each size in turn gets its iterations within an equal share of the budget left (what is left over the sizes still to try,
/// this one included), a turn's first iteration whole; a size its share cut short goes to the back of the queue and resumes
/// its iterations where they stopped once every other size had its turn (a size that met a violation that ends a search
/// whatever its class, in setup or Coyote's own report, is done; another class is gone past within the part,
/// <see cref="ExploreOptions.SoughtInvariant"/>). A window's iteration costs in proportion to its
/// operations, and a fixed count per size let one size of slow iterations spend the whole budget: on a file of 72,913
/// operations (remote-list-take-not-atomic's row, `run --seed 28`, then `explore --from-repro FILE`, 2026-12-07 21:15-21:17,
/// load 31-45, at b44b567) the first window, the last 2,048 of each CPU (nearly all failed allocations of an exhausted
/// zone), ran 45 iterations in 118.6 s, nothing, and the budget was out; with 4 iterations a size (`--iterations 4
/// --time-budget 400`, 21:18-21:20, load 30-36) the last 2,048 to 16,384 took 16-45 s each, nothing, and the last 32,768
/// found the class in its first iteration, 0.6 s. A share that cut a first iteration would leave its size nothing: on
/// seed 24's file (25,651 operations, 21:12-21:13, load 19-31) the first window's first iteration found it after 39 s.
/// </summary>
internal static class ReproWindowSchedule
{
    /// <summary>
    /// Runs the turns until one finds the recorded class (<see cref="Part.Found"/>), every size has met another violation,
    /// or the budget is out (<paramref name="elapsed"/> reaching <paramref name="budget"/>). A round gives each size
    /// <paramref name="iterationsPerWindow"/> iterations; once every size has had them, with <paramref name="moreRounds"/>
    /// the next round gives each size not done as many more, on from where it stopped (new seeds), else the search ends
    /// there. Until 2026-12-08 it always ended after the first round: on
    /// absorb-without-owner-check's seed-614 file (`/work/tools/row.sh` at aa3c28e, 00:22-00:24, load 20-23) every size ran
    /// its 200 iterations in 87 s and the search stopped with 33 s of its budget unused. <paramref name="explore"/> runs a
    /// part of a turn: its first iteration within the budget left, then the rest within the share. Whether every size was
    /// tried, its first round's iterations run or a violation met (false: found, or the budget out first).
    /// </summary>
    internal static bool Run(IEnumerable<int> windows, int iterationsPerWindow, bool moreRounds, TimeSpan budget, Func<TimeSpan> elapsed, Func<Request, Part> explore)
    {
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(elapsed);
        ArgumentNullException.ThrowIfNull(explore);
        var queue = new Queue<(int Window, int Done, int Target)>(windows.Select(w => (w, 0, iterationsPerWindow)));
        var nextRound = new Queue<(int Window, int Done, int Target)>();
        var everyTried = false;
        while (true)
        {
            if (!queue.TryDequeue(out var next))
            {
                if (nextRound.Count == 0 || !moreRounds)
                {
                    return true;
                }

                // Every size had its iterations and the budget is not out: another round, each size's iterations on from
                // where they stopped (new seeds), in the same order.
                everyTried = true;
                queue = new Queue<(int, int, int)>(nextRound.Select(t => (t.Window, t.Done, t.Target + iterationsPerWindow)));
                nextRound.Clear();
                continue;
            }

            var started = elapsed();
            var left = budget - started;
            if (left <= TimeSpan.Zero)
            {
                return everyTried;
            }

            var share = left / (queue.Count + 1);
            var (window, done, target) = next;
            var part = explore(new Request(window, 1, done, left));
            done += part.Iterations;
            var rest = share - (elapsed() - started);
            if (!part.Found && !part.Violation && part.Iterations == 1 && done < target && rest > TimeSpan.Zero)
            {
                part = explore(new Request(window, target - done, done, rest));
                done += part.Iterations;
            }

            if (part.Found)
            {
                return false;
            }

            if (!part.Violation)
            {
                (done < target ? queue : nextRound).Enqueue((window, done, target));
            }
        }
    }

    /// <summary>
    /// A part of a window size's turn: <paramref name="Iterations"/> to run within <paramref name="Limit"/>, after the
    /// <paramref name="Done"/> its earlier parts ran (its Coyote seed is the search's plus these, so a resumed size goes on
    /// with new schedules: a new engine, not the cut one resumed, for the reasons ReproExplorer.ExploreWindow gives).
    /// </summary>
    internal readonly record struct Request(int Window, int Iterations, int Done, TimeSpan Limit);

    /// <summary>
    /// What a part did: the iterations it completed (fewer than asked: the limit cut it), and whether it found the recorded
    /// class (the search ends) or a violation that ends a search whatever its class (the size is done).
    /// </summary>
    internal readonly record struct Part(int Iterations, bool Found, bool Violation);
}
