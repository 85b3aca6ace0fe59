namespace PcpTestbed.Workloads.Run;

/// <summary>
/// Work the coordinator hands to a running CPU, which runs it at its next quiescent point, like a
/// work item queued on that CPU (page_alloc_cpu_dead() on a surviving CPU, a memory hog). The coordinator
/// waits for it with a bound. One slot per CPU; the coordinator posts one item at a time. A CPU closes its
/// slot when it leaves its body (the run is over for it), so work posted to it then is refused at once
/// instead of waited for.
/// </summary>
public sealed class CpuMailbox(int cpus) : IDisposable
{
    /// <summary>The slot of a CPU that has left its body: nothing posted there will run.</summary>
    private static readonly Action<int> Closed = static _ => { };

    private readonly Action<int>?[] _slots = new Action<int>?[cpus]; // written by the coordinator, taken or closed by the CPU
    private readonly ManualResetEventSlim _done = new(false);
    private Exception? _fault;
    private bool _ran; // written by the CPU before it sets _done, read by the coordinator after the wait

    /// <summary>Called by CPU <paramref name="cpu"/> between steps: runs the posted work, if any.</summary>
    public void RunPending(int cpu)
    {
        var pending = Volatile.Read(ref _slots[cpu]);
        if (pending == null || pending == Closed)
        {
            return;
        }

        // Takes the work: the coordinator posts one item at a time and withdraws it only with a CAS, so the
        // exchange either gets it or finds the slot already emptied by a withdrawal.
        var work = Interlocked.CompareExchange(ref _slots[cpu], null, pending);
        if (work != pending)
        {
            return;
        }

        try
        {
            work(cpu);
        }
        catch (Exception e)
        {
            _fault = e;
        }
        finally
        {
            _ran = true;
            _done.Set();
        }
    }

    /// <summary>
    /// Called by CPU <paramref name="cpu"/> as it leaves its body, after its last <see cref="RunPending"/>: work
    /// posted from now on is refused, and work posted but not taken is handed back to the waiting coordinator.
    /// </summary>
    public void Close(int cpu)
    {
        // Reserves the slot for good; whatever it held was never taken.
        var pending = Interlocked.Exchange(ref _slots[cpu], Closed);
        if (pending != null && pending != Closed)
        {
            _done.Set();
        }
    }

    /// <summary>
    /// Posts <paramref name="work"/> to <paramref name="cpu"/> and waits until it ran. Returns false, without
    /// running it, if the CPU has left its body or leaves it before taking the work. Rethrows what it threw.
    /// </summary>
    /// <exception cref="TimeoutException">The CPU did not run it within <paramref name="timeout"/>.</exception>
    public bool Run(int cpu, Action<int> work, TimeSpan timeout)
    {
        _done.Reset();
        _fault = null;
        _ran = false;

        // Publishes the work to the CPU's next quiescent point, unless the CPU has closed its slot.
        if (Interlocked.CompareExchange(ref _slots[cpu], work, null) != null)
        {
            return false;
        }

        if (!_done.Wait(timeout))
        {
            // Withdraw it if the CPU has not taken it (nor closed its slot) yet.
            if (Interlocked.CompareExchange(ref _slots[cpu], null, work) == work)
            {
                throw new TimeoutException($"CPU {cpu} did not run the posted work within {timeout}");
            }

            // Taken (or handed back) just now: the CPU signals when the work is done.
            if (!_done.Wait(timeout))
            {
                throw new TimeoutException($"CPU {cpu} took the posted work but did not finish it within {timeout}");
            }
        }

        if (!_ran)
        {
            return false;
        }

        if (_fault != null)
        {
            throw new InvalidOperationException($"work posted to CPU {cpu} failed: {_fault.Message}", _fault);
        }

        return true;
    }

    public void Dispose() => _done.Dispose();
}
