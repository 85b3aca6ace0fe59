using System.Diagnostics;
using PcpTestbed.Model;

namespace PcpTestbed.Workloads.Kinds;

/// <summary>
/// exit (concurrent process exits): every CPU fills up with pages, then all free everything at once.
/// The "at once" is a wave every <see cref="WavePeriod"/>: a CPU that is full waits for the next wave
/// and then frees all its pages; CPUs that filled in time free together, avalanching their PCPs. A wave
/// clock rather than a barrier keeps an offline CPU from holding the others up.
/// </summary>
public sealed class ExitWorkload(WorkloadContext context) : Workload(context)
{
    public static readonly TimeSpan WavePeriod = TimeSpan.FromMilliseconds(20);

    private static readonly long WaveTicks = (long)(WavePeriod.TotalSeconds * Stopwatch.Frequency);

    private readonly long _epoch = Stopwatch.GetTimestamp();
    private readonly long[] _exitWave = new long[context.Cpus]; // per CPU: the wave it exits in, 0 while filling

    public override WorkloadKind Kind => WorkloadKind.Exit;

    public override void Step(int cpu)
    {
        var held = Context.Held[cpu];
        if (_exitWave[cpu] == 0)
        {
            if (held.Pages < Context.Parameters.ExitFillPages && TryAllocate(cpu, Gfp.HighUserMovable, 0, out var chunk))
            {
                held.Push(chunk);
                return;
            }

            // Full (or out of memory): exit with the next wave.
            _exitWave[cpu] = Wave() + 1;
            return;
        }

        if (Wave() < _exitWave[cpu])
        {
            Idle(cpu);
            return;
        }

        if (held.Count > 0)
        {
            Free(cpu, held.PopNewest());
            return;
        }

        _exitWave[cpu] = 0;
        Context.Counters[cpu].Cycles++;
    }

    private long Wave() => (Stopwatch.GetTimestamp() - _epoch) / WaveTicks;
}
