using System.Diagnostics;
using System.Runtime.InteropServices;
using PcpTestbed.Benchmarks.Suite;
using PcpTestbed.Designs;
using PcpTestbed.Execution.Cpus;
using PcpTestbed.Execution.Locking;
using PcpTestbed.Model;
using PcpTestbed.Model.Layout;
using PcpTestbed.Model.Sync;
using PcpTestbed.Workloads.Kinds;

namespace PcpTestbed.Benchmarks.Scaling;

/// <summary>
/// The control for <see cref="ScalingMeasurement"/>: the same page-fault pattern as the runner's at
/// <c>--work-scale 0</c> (fault in a run of order-0 movable pages, the size <see cref="WorkloadSizes"/> gives the
/// runner, then unmap them oldest first, a folio_batch of 31 per free_unref_folios() call) on the same design and zone,
/// but on bare pinned threads that call the allocator directly: no <c>CpuMachine</c>, quiescent points, workload
/// objects, mailbox or coordinator. If the runner is slower than this, the difference is the testbed's own
/// bookkeeping; if both fall short alike, it is the allocator or the host.
/// </summary>
public static class BareScaling
{
    public static ScalingRun Run(int cpus, int repeat, TimeSpan duration, string zone)
    {
        // Sampling starts 100 ms in and ends 100 ms before the stop.
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.FromMilliseconds(300));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var load = HostInfo.LoadAverage();
        var built = ZoneBuilder.Build(ZoneSpec.Parse(zone));
        var allocator = AllocatorFactory.Create(DesignKind.Pageblock, built, new AllocatorConfig { Cpus = cpus, Lockdep = false },
            new OsExecution<NoLockProbe>(default));
        var runLength = WorkloadSizes.For(WorkloadKind.PageFault, new WorkloadParameters(), built.NrFreePages, cpus).RunLengthPages;
        var hostCpus = HostAffinity.IsSupported ? HostAffinity.GetCurrentThreadAffinity() : [.. Enumerable.Range(0, Environment.ProcessorCount)];
        var counters = new Counter[cpus];
        var stop = 0;
        using var start = new Barrier(cpus + 1);
        var threads = new Thread[cpus];
        for (var i = 0; i < cpus; i++)
        {
            var cpu = i;
            threads[i] = new Thread(() =>
            {
                if (HostAffinity.IsSupported)
                {
                    HostAffinity.PinCurrentThread(hostCpus[cpu % hostCpus.Length]);
                }

                var held = new long[runLength];
                var batch = new Folio[PageAlloc.PagevecSize];
                start.SignalAndWait();
                long ops = 0;
                while (Volatile.Read(ref stop) == 0)
                {
                    for (var k = 0; k < runLength; k++)
                    {
                        held[k] = allocator.Allocate(cpu, Gfp.HighUserMovable, 0).Pfn;
                    }

                    for (var k = 0; k < runLength; k += batch.Length)
                    {
                        var n = Math.Min(batch.Length, runLength - k);
                        for (var i = 0; i < n; i++)
                        {
                            batch[i] = new Folio(held[k + i], 0);
                        }

                        allocator.FreeUnrefFolios(cpu, batch.AsSpan(0, n));
                    }

                    ops += 2 * runLength;
                }

                counters[cpu].Operations = ops;
            })
            { IsBackground = true, Name = $"cpu{cpu}" };
            threads[i].Start();
        }

        // The threads are parked at the barrier until here: thread creation and pinning are outside the measurement.
        start.SignalAndWait();
        var wall = Stopwatch.StartNew();
        Thread.Sleep(TimeSpan.FromMilliseconds(100));
        var first = CpuThreadSample.Take();
        Thread.Sleep(duration - TimeSpan.FromMilliseconds(200));
        var last = CpuThreadSample.Take();
        Thread.Sleep(TimeSpan.FromMilliseconds(100));

        // Publishes the stop to every thread's next cycle.
        Volatile.Write(ref stop, 1);
        foreach (var t in threads)
        {
            t.Join();
        }

        wall.Stop();
        var seconds = Stopwatch.GetElapsedTime(first.Ticks, last.Ticks).TotalSeconds;
        var total = counters.Sum(c => c.Operations);
        return new ScalingRun("bare", cpus, repeat, total / wall.Elapsed.TotalSeconds, wall.Elapsed.TotalSeconds,
            (last.CpuSeconds - first.CpuSeconds) / seconds, (last.Preemptions - first.Preemptions) / seconds, load);
    }

    /// <summary>A thread's operation count on a line of its own; written once, when the thread ends.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Counter // do not make readonly: written in place by its thread
    {
        private CacheLinePad _before;

        public long Operations;

        private CacheLinePad _after;
    }
}
