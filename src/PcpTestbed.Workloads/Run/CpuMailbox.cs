using System.Diagnostics;
using PcpTestbed.Execution.Cpus;

namespace PcpTestbed.Workloads.Run;

/// <summary>
/// Work the coordinator hands to a running CPU, which runs it at its next quiescent point, like a
/// work item queued on that CPU (page_alloc_cpu_dead() on a surviving CPU, a memory hog). Posting raises
/// <see cref="CpuSignals.PostedWork"/> on the CPU, so a CPU looks at its slot only when something was posted. The coordinator
/// waits for it with a bound, and if the CPU does not get there in time the machine's watchdog reports what it is
/// doing. One slot per CPU; the coordinator posts one item at a time. A CPU closes its slot when it leaves its body
/// (the run is over for it), so work posted to it then is refused at once instead of waited for.
/// </summary>
public sealed class CpuMailbox(CpuMachine machine) : IDisposable
{
    /// <summary>The slot of a CPU that has left its body: nothing posted there will run.</summary>
    private static readonly PostedWork Closed = new("closed", static _ => { });

    private readonly PostedWork?[] _slots = new PostedWork?[machine.CpuCount]; // written by the coordinator, taken or closed by the CPU
    private readonly ManualResetEventSlim _done = new(false);
    private Exception? _fault;
    private bool _ran; // written by the CPU before it sets _done, read by the coordinator after the wait

    /// <summary>Called by CPU <paramref name="cpu"/> between steps when <see cref="CpuSignals.PostedWork"/> was raised: runs the posted work, if any is still there.</summary>
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

        // Where the CPU is, for a stuck-CPU report, while it runs someone else's work.
        var activity = machine.Watchdog.Activity;
        var note = activity?.Note(cpu);
        activity?.SetNote(cpu, $"posted work: {work.What}");
        try
        {
            work.Run(cpu);
        }
        catch (Exception e)
        {
            _fault = e;
        }
        finally
        {
            activity?.SetNote(cpu, note);
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
    /// Posts <paramref name="work"/>, described as <paramref name="what"/>, to <paramref name="cpu"/> and waits until it
    /// ran. Returns false, without running it, if the CPU has left its body or leaves it before taking the work.
    /// Rethrows what it threw.
    /// </summary>
    /// <exception cref="QuiescenceTimeoutException">The CPU did not take or finish it within <paramref name="timeout"/>; carries the stuck-CPU report.</exception>
    public bool Run(int cpu, string what, Action<int> work, TimeSpan timeout)
    {
        _done.Reset();
        _fault = null;
        _ran = false;
        var posted = new PostedWork(what, work);
        machine.Watchdog.Sample();
        var start = Stopwatch.GetTimestamp();

        // Publishes the work to the CPU's next quiescent point, unless the CPU has closed its slot.
        if (Interlocked.CompareExchange(ref _slots[cpu], posted, null) != null)
        {
            return false;
        }

        machine.Signal(cpu, CpuSignals.PostedWork);

        if (!machine.WatchedWait(_done, timeout))
        {
            // Withdraw it if the CPU has not taken it (nor closed its slot) yet.
            if (Interlocked.CompareExchange(ref _slots[cpu], null, posted) == posted)
            {
                throw machine.Stuck([cpu], $"run posted work ({what}) on CPU {cpu}", timeout, start);
            }

            // Taken (or handed back) just now: the CPU signals when the work is done.
            machine.Watchdog.Sample();
            start = Stopwatch.GetTimestamp();
            if (!machine.WatchedWait(_done, timeout))
            {
                throw machine.Stuck([cpu], $"finish posted work ({what}) on CPU {cpu}", timeout, start);
            }
        }

        if (!_ran)
        {
            return false;
        }

        if (_fault != null)
        {
            throw new InvalidOperationException($"work posted to CPU {cpu} ({what}) failed: {_fault.Message}", _fault);
        }

        return true;
    }

    public void Dispose() => _done.Dispose();

    /// <summary>A posted work item and what it is, for reports.</summary>
    private sealed record PostedWork(string What, Action<int> Run);
}
