namespace PcpTestbed.Coyote.Dfs;

/// <summary>
/// One OS thread of our scheduler, kept across iterations (creating threads would cost more than a short schedule). It
/// runs the script it is given when it first gets the baton, and afterwards gets the baton at each scheduling point
/// where the controller picks its CPU. The baton is a <see cref="ManualResetEventSlim"/>: the taker spins briefly,
/// then blocks; only the thread holding the baton runs, so a hand-over is one Set by the giver and one Wait by the taker.
/// </summary>
internal sealed class CpuWorker : IDisposable
{
    [ThreadStatic]
    private static CpuWorker? t_current;

    private readonly Thread _thread;
    private readonly ManualResetEventSlim _baton;
    private Action? _job; // written by the controller before the first Give of an iteration, read by this thread after its Take
    private volatile bool _shutdown;

    public CpuWorker(int index, int spinCount)
    {
        _baton = new ManualResetEventSlim(false, spinCount);
        _thread = new Thread(Loop)
        {
            IsBackground = true,
            Name = $"dfs-cpu-{index}",
        };
        _thread.Start();
    }

    /// <summary>The worker the calling thread is, or null (the explorer's thread).</summary>
    public static CpuWorker? Current => t_current;

    /// <summary>The script CPU this worker runs in the current iteration.</summary>
    public int Cpu { get; private set; } = -1;

    /// <summary>The script to run, as <paramref name="cpu"/>, at the next <see cref="Give"/>. Only while the worker waits for it.</summary>
    public void Assign(int cpu, Action job)
    {
        Cpu = cpu;
        _job = job;
    }

    /// <summary>Lets this worker run: it starts its job, or returns from its <see cref="Take"/>.</summary>
    public void Give() => _baton.Set();

    /// <summary>Waits, on this worker's own thread, until it is given the baton again.</summary>
    public void Take()
    {
        _baton.Wait();
        _baton.Reset();
    }

    public void Dispose()
    {
        _shutdown = true;
        _baton.Set();

        // A background thread: one stuck in a script after a stall does not keep the process alive.
        if (_thread.Join(TimeSpan.FromSeconds(10)))
        {
            _baton.Dispose();
        }
    }

    private void Loop()
    {
        t_current = this;
        while (true)
        {
            Take();
            if (_shutdown)
            {
                return;
            }

            var job = _job;
            _job = null;
            job?.Invoke();
        }
    }
}
