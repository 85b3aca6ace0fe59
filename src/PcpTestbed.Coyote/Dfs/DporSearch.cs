using System.Numerics;

namespace PcpTestbed.Coyote.Dfs;

/// <summary>
/// The exhaustive search's tree: a depth-first enumeration of the schedules of a scenario with at most
/// <see cref="Bound"/> preemptions (CHESS's iterative context bounding, Musuvathi and Qadeer, PLDI 2007), optionally
/// reduced by dynamic partial-order reduction with bounded backtracking as loom does it (Flanagan and Godefroid, POPL
/// 2005; Coons, Musuvathi and McKinley, "Bounded partial-order reduction", OOPSLA 2013). Stateless: each schedule runs
/// the scenario from the start, replaying the path's choices up to the branch being explored, then the default policy
/// (<see cref="SchedulePolicy"/>).
/// </summary>
/// <remarks>
/// <para>
/// <b>Preemptions.</b> Picking a CPU other than the one that ran the last step, while that one could go on, is a
/// preemption; picking any CPU when the last one has ended or waits for a lock is free, and so is the first pick. A
/// branch is explored only if the preemptions on its path stay within the bound; the default policy never preempts.
/// </para>
/// <para>
/// <b>Without the reduction</b> every node's alternatives are all enabled CPUs within the bound: every schedule with at
/// most <see cref="Bound"/> preemptions runs exactly once.
/// </para>
/// <para>
/// <b>With the reduction</b> a node's alternatives start empty and are added from races seen in the schedules that
/// pass through it. After each schedule, for each step e_k of CPU p, every earlier step e_i of another CPU that is
/// dependent with it (a step's footprint is the point it starts at and the point it ends at, and two footprints are
/// dependent as <see cref="Footprint.DependsOn"/> says; a step also depends on another CPU's step that holds a lock
/// guarding a location it names, <see cref="Footprint.GuardingLocks"/>) and does not happen before p's previous step (vector clocks
/// over the dependencies and program order) is a race the lookahead of Flanagan and Godefroid's algorithm would see:
/// the last such e_i before p's previous step, and every such e_i after it. For each, p is added at the node of e_i (or,
/// if p could not run there, every CPU that could), and also at the node that began the context holding e_(i-1), the
/// conservative point of bounded partial-order reduction that loom adds, so a reversal the bound forbids where the race
/// is can be made earlier where a context switch already happened. Additions beyond the bound are dropped.
/// </para>
/// </remarks>
internal sealed class DporSearch : IScheduleChooser
{
    private readonly List<Node> _path = [];
    private int _prefix;

    // The vector clocks of the schedule analysed last (clocks[k * cpus + q]): a new schedule's steps before its branch
    // are the same steps, so their clocks and races are not worked out again.
    private int[] _clocks = [];
    private int _clockCpus;

    // Per-schedule buffers of AddRaces, kept to spare the allocations: each step's two footprints, the locks held at
    // either end, the locks guarding what it names, its objects' filter bits, the steps of each CPU in order,
    // and where the context holding each step began.
    private Footprint[] _first = [];
    private Footprint[] _second = [];
    private long[] _held = [];
    private long[] _guards = [];
    private long[] _objects = [];
    private int[] _steps = [];
    private int[] _contextStart = [];

    public DporSearch(int bound, bool reduce)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bound);
        Bound = bound;
        Reduce = reduce;
    }

    /// <summary>Preemptions a schedule may have.</summary>
    public int Bound { get; }

    /// <summary>Whether partial-order reduction prunes schedules.</summary>
    public bool Reduce { get; }

    /// <summary>Set when a replayed prefix did not see the same choices again: the scenario is not deterministic.</summary>
    public string? Nondeterminism { get; private set; }

    /// <summary>Preemptions on the path of the schedule that ran last.</summary>
    public int Preemptions => _path.Count == 0 ? 0 : _path[^1].PreemptionsBefore + Cost(_path[^1], _path[^1].Chosen);

    /// <summary>Depth of the branch the next schedule explores (steps replayed before it goes its own way).</summary>
    public int PrefixLength => _prefix;

    public int Choose(DfsController controller, int index, int enabled, int previous)
    {
        if (index >= _prefix)
        {
            return SchedulePolicy.Default(enabled, previous);
        }

        var node = _path[index];
        if (node.Enabled != enabled || node.Previous != previous)
        {
            Nondeterminism = $"step {index + 1} replayed with CPUs {Mask(enabled)} able to run after CPU {previous}, " +
                             $"where the first run had CPUs {Mask(node.Enabled)} after CPU {node.Previous}";
            return -1;
        }

        return node.Chosen;
    }

    /// <summary>
    /// Learns from the schedule that just ran clean (its steps, in order) and sets up the next one. Returns false when
    /// every schedule has been explored.
    /// </summary>
    public bool Advance(IReadOnlyList<ExecutedStep> trace)
    {
        if (trace.Count < _prefix)
        {
            Nondeterminism ??= $"the schedule ended after {trace.Count} steps, before the {_prefix} steps it replays";
            return false;
        }

        for (var k = _prefix; k < trace.Count; k++)
        {
            var s = trace[k];
            var before = k == 0 ? 0 : _path[k - 1].PreemptionsBefore + Cost(_path[k - 1], _path[k - 1].Chosen);
            var node = new Node { Enabled = s.Enabled, Previous = s.Previous, Chosen = s.Cpu, PreemptionsBefore = before, Done = 1 << s.Cpu };
            if (!Reduce)
            {
                node.Backtrack = WithinBound(node, node.Enabled);
            }

            _path.Add(node);
        }

        if (Reduce)
        {
            // Steps before the branch ran in the schedule before this one too, after the same steps: their races are known.
            AddRaces(trace, Math.Max(0, _prefix - 1));
        }

        for (var j = _path.Count - 1; j >= 0; j--)
        {
            var node = _path[j];
            var todo = node.Backtrack & ~node.Done;
            if (todo == 0)
            {
                continue;
            }

            var c = BitOperations.TrailingZeroCount(todo);
            node.Done |= 1 << c;
            node.Chosen = c;
            _path[j] = node;
            _path.RemoveRange(j + 1, _path.Count - j - 1);
            _prefix = j + 1;
            return true;
        }

        _path.Clear();
        _prefix = 0;
        return false;
    }

    private static int Cost(in Node node, int cpu) =>
        node.Previous >= 0 && cpu != node.Previous && (node.Enabled & (1 << node.Previous)) != 0 ? 1 : 0;

    /// <summary>The CPUs of <paramref name="candidates"/> that <paramref name="node"/> may pick within the bound.</summary>
    private int WithinBound(in Node node, int candidates)
    {
        var result = 0;
        for (var rest = candidates; rest != 0; rest &= rest - 1)
        {
            var c = BitOperations.TrailingZeroCount(rest);
            if (node.PreemptionsBefore + Cost(node, c) <= Bound)
            {
                result |= 1 << c;
            }
        }

        return result;
    }

    /// <summary>Adds <paramref name="cpu"/> (or, if it cannot run there, every CPU that can) to node <paramref name="index"/>'s alternatives.</summary>
    private void Backtrack(int index, int cpu)
    {
        var node = _path[index];
        var wanted = (node.Enabled & (1 << cpu)) != 0 ? 1 << cpu : node.Enabled;
        node.Backtrack |= WithinBound(node, wanted);
        _path[index] = node;
    }

    /// <summary>
    /// The races of the schedule just run with its steps from <paramref name="from"/> on, each reversed where it happened
    /// and where the context before it began.
    /// </summary>
    private void AddRaces(IReadOnlyList<ExecutedStep> trace, int from)
    {
        var n = trace.Count;
        var cpus = 0;
        foreach (var s in trace)
        {
            cpus = Math.Max(cpus, s.Cpu + 1);
        }

        if (cpus != _clockCpus)
        {
            from = 0;
            _clockCpus = cpus;
        }

        if (_clocks.Length < n * cpus)
        {
            Array.Resize(ref _clocks, Math.Max(n * cpus, _clocks.Length * 2));
        }

        // A step's footprint is the point it starts at and the point it ends at (its CPU's next), so an access the code
        // makes just before the point that names it is covered as well as one just after.
        // And the locks its CPU holds at either end guard data the model touches in it without a point.
        EnsureCapacity(ref _first, n);
        EnsureCapacity(ref _second, n);
        EnsureCapacity(ref _held, n);
        EnsureCapacity(ref _guards, n);
        EnsureCapacity(ref _steps, n);
        EnsureCapacity(ref _objects, n);
        EnsureCapacity(ref _contextStart, n);
        for (var k = 0; k < n; k++)
        {
            _contextStart[k] = k > 0 && trace[k].Cpu == trace[k - 1].Cpu ? _contextStart[k - 1] : k;
        }

        var first = _first;
        var second = _second;
        var held = _held;
        var guards = _guards;
        var objects = _objects;
        var nextOfCpu = new Footprint[cpus];
        var heldNext = new long[cpus];
        for (var k = n - 1; k >= 0; k--)
        {
            var p = trace[k].Cpu;
            first[k] = trace[k].Step.Footprint;
            second[k] = nextOfCpu[p];
            held[k] = trace[k].Held | heldNext[p];
            guards[k] = first[k].GuardingLocks | second[k].GuardingLocks;
            objects[k] = first[k].ObjectBit | second[k].ObjectBit;
            nextOfCpu[p] = first[k];
            heldNext[p] = trace[k].Held;
        }

        // stepsOf[q]: the trace indices of CPU q's steps so far, in order; its m-th step (from 1) has clock m for q.
        var steps = _steps;
        var stepCount = new int[cpus];
        var offset = new int[cpus + 1];
        for (var k = 0; k < n; k++)
        {
            offset[trace[k].Cpu + 1]++;
        }

        for (var q = 0; q < cpus; q++)
        {
            offset[q + 1] += offset[q];
        }

        // clocks[k * cpus + q]: how many of CPU q's steps happen before step k, or are it.
        var clocks = _clocks;
        var threadClock = new int[cpus * cpus];
        for (var k = 0; k < from; k++)
        {
            var p = trace[k].Cpu;
            Array.Copy(clocks, k * cpus, threadClock, p * cpus, cpus);
            steps[offset[p] + stepCount[p]++] = k;
        }

        var clock = new int[cpus];
        for (var k = from; k < n; k++)
        {
            var p = trace[k].Cpu;
            Array.Copy(threadClock, p * cpus, clock, 0, cpus);
            var before = stepCount[p] == 0 ? -1 : steps[offset[p] + stepCount[p] - 1];
            var raceBefore = -1;

            // Only steps that do not happen before p's previous step can race with step k, or add to its clock (the
            // others' clocks are within p's already): CPU q's steps after the first threadClock[p][q] of them.
            for (var q = 0; q < cpus; q++)
            {
                if (q == p)
                {
                    continue;
                }

                for (var m = threadClock[(p * cpus) + q]; m < stepCount[q]; m++)
                {
                    var i = steps[offset[q] + m];
                    var guarded = (guards[i] & held[k]) != 0 || (guards[k] & held[i]) != 0;

                    // No object in common (the bits are a filter: one bit per object, objects may share one), or no dependence.
                    if (!guarded && ((objects[i] & objects[k]) == 0 || !Dependent(first[i], second[i], first[k], second[k])))
                    {
                        continue;
                    }

                    // Step i does not happen before p's previous step: a race with step k.
                    if (i <= before)
                    {
                        raceBefore = Math.Max(raceBefore, i);
                    }
                    else
                    {
                        Reverse(i, p);
                    }

                    for (var c = 0; c < cpus; c++)
                    {
                        clock[c] = Math.Max(clock[c], clocks[(i * cpus) + c]);
                    }
                }
            }

            if (raceBefore >= 0)
            {
                Reverse(raceBefore, p);
            }

            clock[p] = threadClock[(p * cpus) + p] + 1;
            Array.Copy(clock, 0, clocks, k * cpus, cpus);
            Array.Copy(clock, 0, threadClock, p * cpus, cpus);
            steps[offset[p] + stepCount[p]++] = k;
        }
    }

    private static void EnsureCapacity<T>(ref T[] buffer, int n)
    {
        if (buffer.Length < n)
        {
            Array.Resize(ref buffer, Math.Max(n, buffer.Length * 2));
        }
    }

    private static bool Dependent(Footprint a1, Footprint a2, Footprint b1, Footprint b2) =>
        a1.DependsOn(b1) || a1.DependsOn(b2) || a2.DependsOn(b1) || a2.DependsOn(b2);

    private void Reverse(int i, int cpu)
    {
        Backtrack(i, cpu);
        if (i == 0)
        {
            return;
        }

        // Bounded POR's conservative point: where the context holding step i - 1 began.
        Backtrack(_contextStart[i - 1], cpu);
    }

    private static string Mask(int mask)
    {
        var cpus = new List<int>();
        for (var rest = mask; rest != 0; rest &= rest - 1)
        {
            cpus.Add(BitOperations.TrailingZeroCount(rest));
        }

        return "{" + string.Join(",", cpus) + "}";
    }

    /// <summary>One decision on the current path. Do not make readonly: the search updates it in place.</summary>
    private struct Node
    {
        public int Enabled;
        public int Previous;
        public int Chosen;
        public int PreemptionsBefore;

        /// <summary>CPUs to try here.</summary>
        public int Backtrack;

        /// <summary>CPUs tried here (or being tried).</summary>
        public int Done;
    }
}
