namespace PcpTestbed.Model.Audit;

/// <summary>
/// CONFIG_DEBUG_VM's VM_WARN_ON()s: checks the allocator makes at the moment a rule must hold, on the values it reads
/// under the lock that guards them, for rules that are decisions rather than states (an audit at a quiescent point sees
/// the free lists a decision left, not which list it chose). As the kernel's warning does, a report does not stop the
/// allocator: it is counted and its text kept ("[invariant] ..."), and a run reports it as a violation, its first cutting
/// the flight recorder's window (<see cref="FirstReport"/>). An allocator whose configuration holds none checks nothing.
/// </summary>
public sealed class VmWarnings
{
    /// <summary>Distinct report texts kept; the count goes on.</summary>
    public const int KeptMessages = 20;

    private readonly object _gate = new();
    private readonly List<string> _messages = []; // guarded by _gate
    private long _reports; // Interlocked
    private long _checks; // guarded by zone->lock (Checked); read after the run
    private int _kept; // written under _gate, read without it: _messages.Count

    /// <summary>Called on the reporting CPU's thread at the first report: a run's flight recorder cuts there, Coyote fails the iteration.</summary>
    public Action<string>? FirstReport { get; set; }

    public long Reports => Volatile.Read(ref _reports);

    /// <summary>Checks made: takes a rule applied to and was tested on, broken or not (<see cref="Checked"/>). Zero over a run whose rules applied means the checks did not run.</summary>
    public long Checks => Volatile.Read(ref _checks);

    /// <summary>
    /// Counts a check made, only in a configuration that holds warnings (CONFIG_DEBUG_VM, <c>--debug-vm</c>): tests read the
    /// count to tell a clean run from one that checked nothing. Every caller holds zone->lock (__rmqueue()'s take, the
    /// pageblock refill's phases and reserve_highatomic_pageblock()'s conversion), which orders the increments: a plain one, no atomic inside the lock's hold.
    /// </summary>
    public void Checked() => _checks++;

    /// <summary>The report texts kept so far, in the order they came.</summary>
    public IReadOnlyList<string> Messages
    {
        get
        {
            lock (_gate)
            {
                return [.. _messages];
            }
        }
    }

    /// <summary>Records a report of <paramref name="invariant"/>: the text becomes "[invariant] text".</summary>
    /// <remarks>
    /// The caller may hold zone->lock: once the kept texts are full, this adds one atomic increment, no lock. The callers build
    /// <paramref name="text"/> before the call, under zone->lock, but only when the rule was broken (a DEBUG_VM run with
    /// an injected bug), never on a take that follows it.
    /// </remarks>
    public void Report(string invariant, string text)
    {
        var first = Interlocked.Increment(ref _reports) == 1;
        if (!first && Volatile.Read(ref _kept) >= KeptMessages)
        {
            return;
        }

        var message = $"[{invariant}] {text}";
        lock (_gate)
        {
            if (_messages.Count < KeptMessages && !_messages.Contains(message))
            {
                _messages.Add(message);
                Volatile.Write(ref _kept, _messages.Count);
            }
        }

        if (first)
        {
            FirstReport?.Invoke(message);
        }
    }
}
