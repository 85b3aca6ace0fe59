namespace PcpTestbed.Model.Sync;

/// <summary>
/// lockdep's dependency graph over the lock classes: every nesting observed (a lock taken with spin_lock while
/// another is held), with the sites of both acquisitions, and the check lockdep makes when a nesting of two
/// classes is seen for the first time: if the new inner class already reaches the outer one through earlier
/// nestings, the orders can deadlock ("possible circular locking dependency"), whether or not this run did.
/// A trylock adds no nesting into the lock it takes (it cannot wait), but a lock taken with trylock is an outer
/// lock for what is taken inside it, as in lockdep.
/// </summary>
/// <remarks>
/// Safe for many CPU threads: a nesting already seen costs one interlocked increment; the first sight of a
/// (class, site, class, site) takes the graph's lock. The graph lives as long as the run (every iteration of an
/// exploration), like lockdep's, so an inversion between two iterations is found in the second.
/// </remarks>
public sealed class LockOrderGraph
{
    private const int Nodes = LockClasses.Count;
    private static readonly int SiteNodes = LockClasses.Count * LockSites.Count;

    private readonly long[] _counts = new long[SiteNodes * SiteNodes]; // per (outer class, site, inner class, site)
    private readonly object _gate = new();
    private readonly List<Entry> _firstSeen = []; // in order of first sight; guarded by _gate
    private readonly bool[] _classEdge = new bool[Nodes * Nodes]; // guarded by _gate

    /// <summary>The iteration new nestings are attributed to (set by an engine that runs many).</summary>
    public int Iteration { get; set; }

    /// <summary>
    /// <paramref name="cpu"/> takes <paramref name="inner"/> at <paramref name="innerSite"/> with spin_lock while holding
    /// <paramref name="outer"/>, of another class. Returns a lockdep report when this closes a cycle, else null.
    /// </summary>
    public string? Record(int cpu, HeldLock outer, LockClass inner, int innerInstance, LockSite innerSite)
    {
        var index = ((int)outer.Class * LockSites.Count + (int)outer.Site) * SiteNodes + (int)inner * LockSites.Count + (int)innerSite;
        if (Interlocked.Increment(ref _counts[index]) != 1)
        {
            // Seen before: its class pair was checked then.
            return null;
        }

        lock (_gate)
        {
            _firstSeen.Add(new Entry(outer.Class, outer.Site, inner, innerSite, cpu, Iteration, index));
            var pair = (int)outer.Class * Nodes + (int)inner;
            if (_classEdge[pair])
            {
                return null;
            }

            var path = PathLocked(inner, outer.Class);
            _classEdge[pair] = true;
            return path == null ? null : LockdepReports.Circular(cpu, outer, inner, innerInstance, innerSite, path);
        }
    }

    /// <summary>Every nesting seen, in the order first seen, with counts.</summary>
    public IReadOnlyList<LockOrderEdge> Edges()
    {
        lock (_gate)
        {
            return _firstSeen.Select(e => e.ToEdge(Volatile.Read(ref _counts[e.Index]))).ToArray();
        }
    }

    /// <summary>The nestings first seen before iteration <paramref name="iteration"/>: what a replay of that iteration must start from.</summary>
    public IReadOnlyList<LockOrderEdge> EdgesBefore(int iteration) => Edges().Where(e => e.Iteration < iteration).ToArray();

    /// <summary>Starts the graph with nestings seen earlier (a replay of a later iteration). False if a name is unknown.</summary>
    public bool TrySeed(IEnumerable<LockOrderEdge> edges)
    {
        foreach (var e in edges)
        {
            if (!LockClasses.TryParse(e.Outer, out var outer) || !LockClasses.TryParse(e.Inner, out var inner) ||
                !LockSites.TryParse(e.OuterSite, out var outerSite) || !LockSites.TryParse(e.InnerSite, out var innerSite))
            {
                return false;
            }

            var saved = Iteration;
            Iteration = e.Iteration;
            Record(e.Cpu, new HeldLock(outer, 0, outerSite), inner, 0, innerSite);
            Iteration = saved;
        }

        return true;
    }

    /// <summary>A path of first-seen nestings from class <paramref name="from"/> to <paramref name="to"/>, or null.</summary>
    private List<LockOrderEdge>? PathLocked(LockClass from, LockClass to)
    {
        var previous = new int[Nodes];
        Array.Fill(previous, -1);
        var queue = new Queue<int>();
        queue.Enqueue((int)from);
        previous[(int)from] = (int)from;
        while (queue.Count > 0)
        {
            var node = queue.Dequeue();
            if (node == (int)to)
            {
                var path = new List<LockOrderEdge>();
                for (var n = node; n != (int)from; n = previous[n])
                {
                    var p = previous[n];
                    var first = _firstSeen.First(e => (int)e.Outer == p && (int)e.Inner == n);
                    path.Insert(0, first.ToEdge(Volatile.Read(ref _counts[first.Index])));
                }

                return path;
            }

            for (var next = 0; next < Nodes; next++)
            {
                if (_classEdge[node * Nodes + next] && previous[next] < 0)
                {
                    previous[next] = node;
                    queue.Enqueue(next);
                }
            }
        }

        return null;
    }

    private readonly record struct Entry(LockClass Outer, LockSite OuterSite, LockClass Inner, LockSite InnerSite, int Cpu, int Iteration, int Index)
    {
        public LockOrderEdge ToEdge(long count) =>
            new(LockClasses.Name(Outer), LockSites.KernelName(OuterSite), LockClasses.Name(Inner), LockSites.KernelName(InnerSite), Cpu, Iteration, count);
    }
}
