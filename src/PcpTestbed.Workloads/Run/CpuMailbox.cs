namespace PcpTestbed.Workloads.Run;

/// <summary>
/// Work the coordinator hands to a running CPU, which runs it at its next quiescent point, like a
/// work item queued on that CPU (page_alloc_cpu_dead() on a surviving CPU, a memory hog). The coordinator
/// waits for it with a bound. One slot per CPU; the coordinator posts one item at a time.
/// </summary>
public sealed class CpuMailbox(int cpus) : IDisposable
{
    private readonly Action<int>?[] _slots = new Action<int>?[cpus]; // written by the coordinator, taken by the CPU
    private readonly ManualResetEventSlim _done = new(false);
    private Exception? _fault;

    /// <summary>Called by CPU <paramref name="cpu"/> between steps: runs the posted work, if any.</summary>
    public void RunPending(int cpu)
    {
        if (Volatile.Read(ref _slots[cpu]) == null)
        {
            return;
        }

        // Takes the work: the coordinator posts one item at a time, so nobody races for the slot.
        var work = Interlocked.Exchange(ref _slots[cpu], null)!;
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
            _done.Set();
        }
    }

    /// <summary>Posts <paramref name="work"/> to <paramref name="cpu"/> and waits until it ran. Rethrows what it threw.</summary>
    /// <exception cref="TimeoutException">The CPU did not run it within <paramref name="timeout"/>.</exception>
    public void Run(int cpu, Action<int> work, TimeSpan timeout)
    {
        _done.Reset();
        _fault = null;

        // Publishes the work to the CPU's next quiescent point.
        Volatile.Write(ref _slots[cpu], work);
        if (!_done.Wait(timeout))
        {
            // Withdraw it if the CPU has not taken it yet.
            Interlocked.Exchange(ref _slots[cpu], null);
            throw new TimeoutException($"CPU {cpu} did not run the posted work within {timeout}");
        }

        if (_fault != null)
        {
            throw new InvalidOperationException($"work posted to CPU {cpu} failed: {_fault.Message}", _fault);
        }
    }

    public void Dispose() => _done.Dispose();
}
