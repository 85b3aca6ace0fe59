using System.Diagnostics;
using System.Numerics;

namespace PcpTestbed.Coyote.Repro;

/// <summary>
/// explore --from-repro: rebuilds a broken run's state from its reproduction file and searches interleavings of exactly its
/// recorded operations under Coyote, interleaving the last K operations of every CPU (K = 1, 2, 4, ... up to the whole
/// window, or from <see cref="FirstWindow"/> up and then the smaller ones: <see cref="Windows"/>; the earlier ones run
/// serially in setup), until the recorded violation's class comes back. The trace it writes
/// carries the reproduction, so it replays without the file.
/// </summary>
public static class ReproExplorer
{
    public static ReproExploreResult Explore(ReproExploreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.IterationsPerWindow, 1, nameof(options));
        var file = options.Rebuilt(options.File ?? ReproFile.Load(options.Path));
        var clock = Stopwatch.StartNew();

        // The rebuilt state is not the run's without the snapshot (other pfns, other owners), and the global order is inferred
        // with it: the serial order alone may already break the same way, earlier than the recorded cut. Then the window ends
        // at the first operation after which it does (a bisection over the global order; an audit's violation shows only at
        // setup's end, so each probe runs a prefix whole).
        var tried = new List<ReproWindowResult>();
        var serial = SerialFails(file, options, clock);
        if (serial == true)
        {
            var maxSeq = file.Operations.SelectMany(o => o).Max(o => o.Seq);
            int lo = 0, hi = maxSeq;
            while (lo < hi && serial != null)
            {
                var mid = lo + ((hi - lo) / 2);
                serial = SerialFails(file.Truncate(mid), options, clock);
                if (serial == true)
                {
                    hi = mid;
                }
                else
                {
                    lo = mid + 1;
                }
            }

            file = file.Truncate(hi);
        }

        var exhausted = serial == null;
        var longest = Math.Max(1, file.Operations.Max(o => o.Count));
        var scenarios = new Dictionary<int, ReproScenario>(); // one per window: a later pass keeps its setup (ReproScenario's _setupDone)
        foreach (var (window, skipped, iterations) in exhausted ? [] : Schedule(FirstWindow(file, longest), longest, options.IterationsPerWindow))
        {
            if (clock.Elapsed >= options.TimeBudget)
            {
                exhausted = true;
                break;
            }

            if (!scenarios.TryGetValue(window, out var scenario))
            {
                scenarios[window] = scenario = new ReproScenario(file, window);
            }

            var level = window;
            options.Progress?.Invoke(new ReproExploreProgress(window, longest, 0, iterations, clock.Elapsed));
            var result = Explorer.Explore(scenario, new ExploreOptions
            {
                Scenario = ReproScenario.ScenarioName,
                Design = scenario.Design,
                Bugs = scenario.Bugs,
                Iterations = iterations,
                MaxSteps = StepBound(window, file.Cpus),
                TimeLimit = options.TimeBudget - clock.Elapsed,
                Strategy = options.Strategy,
                Seed = options.Seed + (uint)skipped, // Coyote adds 1 per iteration: the second pass goes on where the first stopped
                TraceDirectory = options.TraceDirectory,
                Progress = options.Progress == null ? null : p => options.Progress(new ReproExploreProgress(level, longest, p.Iterations, iterations, clock.Elapsed)),
            });
            tried.Add(new ReproWindowResult(window, result.Iterations, result.Violation));
            if (result.OutOfTime)
            {
                exhausted = true;
                break;
            }

            if (result.BugFound && Violations.InvariantOf(result.Violation!) == file.Invariant && Replayable(result.TracePath!))
            {
                var path = Rename(result.TracePath!, options.Path, window);
                return new ReproExploreResult
                {
                    Path = options.Path, Invariant = file.Invariant, RecordedViolation = file.Violation, Operations = file.OperationCount, Found = true,
                    Window = window, Violation = result.Violation, TracePath = path, Windows = tried, Elapsed = clock.Elapsed, BudgetExhausted = false,
                };
            }

            // Another violation than the recorded one, or one in setup (no interleaving to replay): its trace is not kept.
            DeleteTrace(result.TracePath);
        }

        return new ReproExploreResult
        {
            Path = options.Path, Invariant = file.Invariant, RecordedViolation = file.Violation, Operations = file.OperationCount, Found = false,
            Windows = tried, Elapsed = clock.Elapsed, BudgetExhausted = exhausted,
        };
    }

    /// <summary>
    /// The windows and their iterations in the order tried: every window of <see cref="Windows"/> for one iteration, then every
    /// one again for the rest of its <paramref name="iterations"/> (after the <c>Skipped</c> ones the first pass ran). The race may lie deeper than the first windows: with 200 iterations a window,
    /// highatomic-cap-not-rechecked's files spent the 120 s budget on the windows of the last 1 to 16 operations (1.2-1.4 s
    /// an iteration on seeds 39 and 40), while one iteration a window brought 4 of their 5 misses back, at the last 32, 64, 64
    /// and the whole 4,081, in 2.9-12.9 s (`explore --from-repro FILE --iterations 1`, seeds 34-40 at b93eebd, 2026-12-07
    /// 22:08-22:10, load 15-19).
    /// </summary>
    internal static IEnumerable<(int Window, int Skipped, int Iterations)> Schedule(int first, int longest, int iterations)
    {
        var windows = Windows(first, longest).ToList();
        var sweep = windows.Select(w => (w, 0, 1));
        return iterations <= 1 ? sweep : sweep.Concat(windows.Select(w => (w, 1, iterations - 1)));
    }

    /// <summary>
    /// The windows in the order tried: <paramref name="first"/>, doubling up to the whole window, then the smaller ones the first
    /// skipped (1, 2, 4, ...). The violation's page bounds where the race began, not where it ended: the race is the page's last
    /// operation or comes after it, so a window without that operation may still hold it (`explore --from-repro FILE
    /// --time-budget 120` on release-after-drain's seed-101 file, 2026-12-07 17:16: the page's last operation was a routed free at the window's start, the death and the routed free that raced
    /// with it each CPU's last two; the whole window, 200 iterations, did not find it in 11 s, and the search stopped there
    /// with 109 s of its budget left).
    /// </summary>
    internal static IEnumerable<int> Windows(int first, int longest)
    {
        for (var window = first; ; window = Math.Min(window * 2, longest))
        {
            yield return window;
            if (window >= longest)
            {
                break;
            }
        }

        for (var window = 1; window < first; window *= 2)
        {
            yield return window;
        }
    }

    /// <summary>
    /// The first window: 1, or, when the file names the violation's page, the smallest power of two whose window holds the
    /// last operation on that page, every operation of the other CPUs that the epochs put after it, and one more of every CPU
    /// (the race that left the page so is that operation's or comes after it; a smaller window runs the operation serially in
    /// setup, where no iteration can interleave it). Only the epochs order operations of different CPUs: the recorder's
    /// guarantee is that an entry of epoch e ended before an entry of a later epoch on any CPU ended, and within an epoch the
    /// file's global order is a merge (<see cref="ReproBuilder"/>: round-robin over the CPUs), not a time order. So the other
    /// CPUs' operations of the page operation's own epoch are not known to follow it: counting them (as the global order
    /// would) put a 2-CPU file whose window is one epoch, where one CPU made 40 operations and the other 15,133, straight at
    /// the whole window (remote-push-state-before-tag, 2026-12-07 17:16).
    /// </summary>
    internal static int FirstWindow(ReproFile file, int longest)
    {
        if (file.ViolationPageSeq is not { } seq)
        {
            return 1;
        }

        var pageCpu = -1;
        var index = -1;
        for (var cpu = 0; cpu < file.Cpus && pageCpu < 0; cpu++)
        {
            var ops = file.Operations[cpu];
            for (var i = 0; i < ops.Count; i++)
            {
                if (ops[i].Seq == seq)
                {
                    (pageCpu, index) = (cpu, i);
                    break;
                }
            }
        }

        if (pageCpu < 0)
        {
            return 1;
        }

        var epoch = file.Operations[pageCpu][index].Epoch;
        var need = file.Operations[pageCpu].Count - index;
        for (var cpu = 0; cpu < file.Cpus; cpu++)
        {
            if (cpu != pageCpu)
            {
                need = Math.Max(need, file.Operations[cpu].Count(o => o.Epoch > epoch || o.DidNotReturn == true));
            }
        }

        return Math.Min((int)BitOperations.RoundUpToPowerOf2((uint)need + 1), longest);
    }

    /// <summary>Steps an operation may take on average before a window's iteration counts as not ending (a batch of 31 folios takes hundreds).</summary>
    private const uint StepsPerOperation = 256;

    /// <summary>
    /// The scheduling-step bound of a window: Coyote's default bounds a scenario of a few operations, and a window of
    /// thousands per CPU would reach it without anything going wrong ("another violation" in every iteration).
    /// </summary>
    private static uint StepBound(int window, int cpus) =>
        (uint)Math.Min(uint.MaxValue / 10, Math.Max(ExploreOptions.DefaultMaxSteps, (long)window * cpus * StepsPerOperation));

    /// <summary>
    /// Whether every operation run one at a time in the global order, in setup, breaks the recorded invariant; null when the
    /// time budget ran out first.
    /// </summary>
    private static bool? SerialFails(ReproFile file, ReproExploreOptions options, Stopwatch clock)
    {
        var probe = new ReproScenario(file, 0);
        var serial = Explorer.Explore(probe, new ExploreOptions
        {
            Scenario = ReproScenario.ScenarioName, Design = probe.Design, Bugs = probe.Bugs, Iterations = 1, Seed = options.Seed,
            TraceDirectory = options.TraceDirectory, TimeLimit = options.TimeBudget - clock.Elapsed,
        });
        DeleteTrace(serial.TracePath);
        return serial.OutOfTime ? null : serial.BugFound && Violations.InvariantOf(serial.Violation!) == file.Invariant;
    }

    private static void DeleteTrace(string? path)
    {
        if (path != null && File.Exists(path))
        {
            File.Delete(path);
        }
    }

    /// <summary>Whether the trace has interleaved steps to replay (a failure in setup leaves Coyote none).</summary>
    private static bool Replayable(string path)
    {
        try
        {
            TraceFile.Load(path);
            return true;
        }
        catch (TraceFormatException)
        {
            return false;
        }
    }

    /// <summary>Names the trace for the reproduction it came from: "NAME.kK.trace.json" beside the explorer's other traces.</summary>
    private static string Rename(string tracePath, string reproPath, int window)
    {
        var name = System.IO.Path.GetFileName(reproPath);
        foreach (var suffix in new[] { ".gz", ".json", ".repro" })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal))
            {
                name = name[..^suffix.Length];
            }
        }

        var target = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(tracePath) ?? ".", $"{name}.k{window}.trace.json");
        File.Move(tracePath, target, overwrite: true);
        return target;
    }
}
