using System.Runtime.CompilerServices;

namespace PcpTestbed.Execution.Cpus;

/// <summary>One emulated CPU of a <see cref="CpuMachine"/>, as its body sees it.</summary>
public sealed class CpuContext
{
    private readonly CpuMachine _machine;
    private CpuControl _control;

    internal CpuContext(CpuMachine machine, int id)
    {
        _machine = machine;
        Id = id;
    }

    /// <summary>The emulated CPU id, 0..<see cref="CpuMachine.CpuCount"/>-1: the <c>cpu</c> to pass to the model.</summary>
    public int Id { get; }

    public CpuMachine Machine => _machine;

    /// <summary>Operations started so far. A racy read from other threads.</summary>
    public long Operations => Volatile.Read(ref _control.Operations);

    internal ref CpuControl Control => ref _control;

    /// <summary>Set by <see cref="CpuMachine.Start"/> before the CPU's thread starts.</summary>
    internal long OperationBudget { get; set; } = long.MaxValue;

    /// <summary>
    /// Call between operations, holding no emulated lock. Costs one volatile read of this CPU's own control line
    /// when nothing is requested. If the coordinator asked, the CPU parks here (stop-the-world, offline) until
    /// released. Counts the operation about to start against the budget. <see cref="CpuSignals"/> raised for this CPU
    /// stay pending: a body that takes signals uses <see cref="QuiescentPoint(out CpuSignals)"/>.
    /// </summary>
    /// <returns>True to run the next operation; false when the run is over and the body must return.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool QuiescentPoint()
    {
        if ((Volatile.Read(ref _control.Requests) & CpuMachine.RequestMask) != 0 && !_machine.Quiesce(this))
        {
            return false;
        }

        return Count();
    }

    /// <summary>
    /// <see cref="QuiescentPoint()"/> that also takes the signals raised for this CPU since its last one
    /// (<see cref="CpuMachine.Signal"/>), clearing them: the body runs their work before its next operation. With
    /// nothing requested and nothing pending it is still one volatile read of the CPU's own control line.
    /// </summary>
    /// <returns>True to run the next operation; false when the run is over (pending signals are then dropped).</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool QuiescentPoint(out CpuSignals signals)
    {
        var pending = 0;
        if (Volatile.Read(ref _control.Requests) != 0 && (pending = Pending()) < 0)
        {
            signals = CpuSignals.None;
            return false;
        }

        signals = (CpuSignals)pending;
        return Count();
    }

    /// <summary>
    /// The slow path of <see cref="QuiescentPoint(out CpuSignals)"/>: a request or a signal is set. Returns the signals
    /// taken, or -1 when the run is over (a value, not an out parameter, so the caller's loop keeps its locals in registers).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int Pending()
    {
        if ((Volatile.Read(ref _control.Requests) & CpuMachine.RequestMask) != 0 && !_machine.Quiesce(this))
        {
            return -1;
        }

        // Takes every signal raised so far; one raised after this is seen at the next quiescent point.
        return Interlocked.And(ref _control.Requests, ~CpuMachine.SignalMask) & CpuMachine.SignalMask;
    }

    /// <summary>Counts the operation about to start against the budget.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Count()
    {
        var ops = _control.Operations;
        if (ops >= OperationBudget)
        {
            return false;
        }

        // Publishes progress to the coordinator; a plain store on x86 and arm64 release semantics otherwise.
        Volatile.Write(ref _control.Operations, ops + 1);
        return true;
    }
}
