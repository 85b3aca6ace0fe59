using System.Diagnostics;
using System.Numerics;

namespace PcpTestbed.Coyote.Repro;

/// <summary>
/// explore --from-repro: rebuilds a broken run's state from its reproduction file and searches interleavings of exactly its
/// recorded operations under Coyote, interleaving the last K operations of every CPU (K = 1, 2, 4, ... up to the whole
/// window, or from <see cref="FirstWindow"/> up and then the smaller ones: <see cref="Windows"/>; the earlier ones run
/// serially in setup; each size within its share of the budget, round after round while the budget lasts when <see cref="ReproExploreOptions.MoreRounds"/>: <see cref="ReproWindowSchedule"/>), until the recorded violation's class comes back (an audit's failure names every class the audit
/// found: <see cref="Violations.Names"/>). The trace it writes
/// carries the reproduction, so it replays without the file. A window goes on past an iteration that meets another class
/// (<see cref="ExploreOptions.SoughtInvariant"/>): one race shows as one class or another depending on the schedule (the
/// catalogue's <see cref="BugInfo"/> lists several per bug), and stopping the window at the first of them hid the recorded
/// class behind a first symptom (remote-list-not-closed's seeds 18 and 20 at 72d4759, the README's table: every window
/// stopped at the same race's §7.4, the file's §7.1 never searched for past it). A window that meets another class in
/// nearly every iteration still runs them all, within the budget: on remote-push-state-before-tag's seed-302 file
/// (/work/tools/row.sh at 63433c4, 2026-12-07 21:26-21:28, load 34-46) the last 128 to 1,024 operations met an exception
/// in 186-197 of their 200 iterations each, and the last 2,048 brought the recorded bad page back at its 86th iteration,
/// after 81 others (86 s); stopping at the first (`explore --from-repro FILE` at 1be4f8a, the same file, 21:29-21:31, load
/// 37-39) tried every window size in 15 s and missed it. What it costs: a window that rarely holds the class spends its
/// iterations where another class used to end it early (remote-list-not-closed's seed-51 file: at 1be4f8a the last 128
/// stopped at its 11th iteration, §7.4, and the last 256 found §7.1 at its first, 19 s, 21:32-21:33, load 28-29; at
/// 63433c4 the last 128 found it at its 159th, after 7 others, 82 s at load 25-27, and ran out of the budget at its 73rd at
/// load 31-34), as a window without other classes always did.
/// </summary>
public static class ReproExplorer
{
    public static ReproExploreResult Explore(ReproExploreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.IterationsPerWindow, 1, nameof(options));

        // The explorer names a trace by scenario, design, bugs, strategy, seed and iteration, so two processes searching files
        // of the same row under the same seed wrote the same path, and one's move took the other's trace (a FileNotFoundException
        // seen on 2026-12-07 ~21:45, two remote-push-state-before-tag searches at once): each search keeps its traces in a folder
        // of its own until the one found is moved beside the others (Rename).
        var scratch = Directory.CreateTempSubdirectory("pcptestbed-repro-");
        try
        {
            return Search(options with { TraceDirectory = scratch.FullName }, options.TraceDirectory ?? FailureTrace.DefaultDirectory);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    private static ReproExploreResult Search(ReproExploreOptions options, string traceDirectory)
    {
        var file = options.File ?? options.Rebuilt(ReproFile.Load(options.Path));
        var clock = Stopwatch.StartNew();

        // The rebuilt state is not the run's without the snapshot (other pfns, other owners), and the global order is inferred
        // with it: the serial order alone may already break the same way, earlier than the recorded cut. Then the window ends
        // at the first operation after which it does (a bisection over the global order; an audit's violation shows only at
        // setup's end, so each probe runs a prefix whole).
        var tried = new List<ReproWindowResult>();
        var probes = new List<ReproProbeResult>();
        var serial = SerialFails(file, options, clock, probes);
        if (serial == true)
        {
            var maxSeq = file.Operations.SelectMany(o => o).Max(o => o.Seq);
            int lo = 0, hi = maxSeq;
            while (lo < hi && serial != null)
            {
                var mid = lo + ((hi - lo) / 2);
                serial = SerialFails(file.Truncate(mid), options, clock, probes);
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

        var longest = Math.Max(1, file.Operations.Max(o => o.Count));
        var scenarios = new Dictionary<int, ReproScenario>();
        ReproExploreResult? found = null;
        var everyWindowTried = serial != null && ReproWindowSchedule.Run(Windows(FirstWindow(file, longest), longest), options.IterationsPerWindow,
            options.MoreRounds, options.TimeBudget, () => clock.Elapsed, request =>
            {
                if (!scenarios.TryGetValue(request.Window, out var scenario))
                {
                    // One scenario a size: its later parts restore what its first part's setup left (ReproSetupState).
                    scenario = scenarios[request.Window] = new ReproScenario(file, request.Window);
                }

                var started = clock.Elapsed;
                var result = ExploreWindow(scenario, request, longest, options, clock);
                tried.Add(new ReproWindowResult(request.Window, result.Iterations, result.Violation, (clock.Elapsed - started).TotalSeconds,
                    result.OtherViolations, result.FirstOtherViolation, result.FirstOtherIteration));
                if (result.BugFound && Violations.Names(result.Violation!, file.Invariant) && Replayable(result.TracePath!))
                {
                    found = new ReproExploreResult
                    {
                        Path = options.Path, Invariant = file.Invariant, RecordedViolation = file.Violation, Operations = file.OperationCount, Found = true,
                        Window = request.Window, Violation = result.Violation, TracePath = Rename(result.TracePath!, traceDirectory, options.Path, request.Window), Windows = tried,
                        Probes = probes, Elapsed = clock.Elapsed, BudgetExhausted = false,
                    };
                    return new ReproWindowSchedule.Part(result.Iterations, Found: true, Violation: true);
                }

                // A violation in setup (no interleaving to replay), or one that ends a search whatever its class: its trace is not kept.
                DeleteTrace(result.TracePath);
                return new ReproWindowSchedule.Part(result.Iterations, Found: false, Violation: result.BugFound);
            });
        if (found != null)
        {
            return found with { Elapsed = clock.Elapsed };
        }

        var exhausted = !everyWindowTried;
        return new ReproExploreResult
        {
            Path = options.Path, Invariant = file.Invariant, RecordedViolation = file.Violation, Operations = file.OperationCount, Found = false,
            Windows = tried, Probes = probes, Elapsed = clock.Elapsed, BudgetExhausted = exhausted,
        };
    }

    /// <summary>
    /// A part of a window size's turn (<see cref="ReproWindowSchedule"/>): its iterations within its limit, the seed past the
    /// ones its earlier parts ran (Coyote seeds an exploration's iteration i with its seed plus i: ReproWindowTests).
    /// </summary>
    /// <remarks>
    /// Two ways on past an iteration, which do not share one mechanism. Within a part, past another class, the same engine
    /// runs on (<see cref="ExploreOptions.SoughtInvariant"/>): nothing else needs the thread, and its iterations are the ones an
    /// unbroken exploration runs. Across parts, a new engine seeded past the iterations done: a part ends when its share runs
    /// out, often inside an iteration (the runner's deadline abandons it), and other sizes run before it resumes; Coyote's
    /// engine holds its thread until its run ends, so going on with the same one would park an engine on a thread of its own
    /// for every cut size, and could not run the abandoned iteration again either. The two differ in which iterations run:
    /// Coyote starts iteration i of seed s where iteration 0 of seed s + i starts, so under random and probabilistic the
    /// resumed part runs the iterations the unbroken engine would have, but the default portfolio picks its strategy by
    /// iteration index, PCT, fair PCT and delay bounding carry what earlier iterations learned, and Q-learning learns: a
    /// scratch test (which CPU of two racing wins, iterations 10-59 of seed 7 against 0-49 of seed 17, 2026-12-08 00:22, at
    /// 7fa708c, load 19-20) found the same 50 outcomes under random and probabilistic, the same from the 5th under PCT and
    /// fair PCT and from the 4th under delay bounding, and 20 and 10 of 50 different under portfolio and Q-learning (a 1-bit
    /// outcome: the same outcome need not be the same schedule). Either way the trace replays alike: it carries the failing
    /// iteration's own schedule (Coyote's reproducible trace), whichever engine ran it.
    /// </remarks>
    internal static ExploreResult ExploreWindow(ReproScenario scenario, ReproWindowSchedule.Request request, int longest, ReproExploreOptions options, Stopwatch clock)
    {
        options.Progress?.Invoke(new ReproExploreProgress(request.Window, longest, request.Done, options.IterationsPerWindow, clock.Elapsed));
        return Explorer.Explore(scenario, new ExploreOptions
        {
            Scenario = ReproScenario.ScenarioName,
            Design = scenario.Design,
            Bugs = scenario.Bugs,
            Iterations = request.Iterations,
            MaxSteps = StepBound(request.Window, scenario.File.Cpus),
            TimeLimit = request.Limit,
            Strategy = options.Strategy,
            Seed = options.Seed + (uint)request.Done,
            TraceDirectory = options.TraceDirectory,
            SoughtInvariant = scenario.File.Invariant,
            Progress = options.Progress == null ? null : p => options.Progress(
                new ReproExploreProgress(request.Window, longest, request.Done + p.IterationsDone, options.IterationsPerWindow, clock.Elapsed, p.OtherViolations)),
        });
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
    /// time budget ran out first. Each probe is noted in <paramref name="probes"/>.
    /// </summary>
    private static bool? SerialFails(ReproFile file, ReproExploreOptions options, Stopwatch clock, List<ReproProbeResult> probes)
    {
        var started = clock.Elapsed;
        var probe = new ReproScenario(file, 0);
        var serial = Explorer.Explore(probe, new ExploreOptions
        {
            Scenario = ReproScenario.ScenarioName, Design = probe.Design, Bugs = probe.Bugs, Iterations = 1, Seed = options.Seed,
            TraceDirectory = options.TraceDirectory, TimeLimit = options.TimeBudget - clock.Elapsed,
        });
        DeleteTrace(serial.TracePath);
        bool? fails = serial.OutOfTime ? null : serial.BugFound && Violations.Names(serial.Violation!, file.Invariant);
        probes.Add(new ReproProbeResult(file.Operations.SelectMany(o => o).Select(o => o.Seq).DefaultIfEmpty(-1).Max(), fails, (clock.Elapsed - started).TotalSeconds));
        return fails;
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

    /// <summary>Names the trace for the reproduction it came from: "NAME.kK.trace.json" in the trace folder (<see cref="ReproExploreOptions.TraceDirectory"/>, else the explorer's default).</summary>
    private static string Rename(string tracePath, string traceDirectory, string reproPath, int window)
    {
        var name = System.IO.Path.GetFileName(reproPath);
        foreach (var suffix in new[] { ".gz", ".json", ".repro" })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal))
            {
                name = name[..^suffix.Length];
            }
        }

        Directory.CreateDirectory(traceDirectory);
        var target = System.IO.Path.Combine(traceDirectory, $"{name}.k{window}.trace.json");
        File.Move(tracePath, target, overwrite: true);
        return target;
    }
}
