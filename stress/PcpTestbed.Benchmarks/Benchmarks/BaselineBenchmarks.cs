using System.Buffers;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using PcpTestbed.Benchmarks.Baselines;
using PcpTestbed.Benchmarks.Suite;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Benchmarks.Benchmarks;

/// <summary>
/// The baselines the testbed's pairs are read against, in the same run: the floor (<see cref="FloorCache"/>), and
/// the per-core cached pool .NET users know, ArrayPool&lt;byte&gt;.Shared, renting and returning a 4 KiB array on
/// one thread (its thread-local slot) and with the return on another thread (the pool's per-core stacks, as a
/// remote free meets the owner's list). One operation is one pair.
/// </summary>
[Config(typeof(HotPathConfig))]
[MemoryDiagnoser]
public class BaselineBenchmarks
{
    /// <summary>Pairs per invocation of the remote-return case: amortizes waiting for the returner to catch up at the end.</summary>
    public const int RemotePairsPerInvoke = 4096;

    private const int PageBytes = 4096;

    private FloorCache _floor = null!;
    private SpscRing<byte[]> _ring = null!;
    private Thread? _returner;
    private Progress _progress;
    private long _handedOff;

    [GlobalSetup(Targets = [nameof(Floor), nameof(ArrayPoolLocal)])]
    public void SetupLocal()
    {
        _floor = new FloorCache(1024);
        TierWarmup.Run(() =>
        {
            Floor();
            ArrayPoolLocal();
        });
    }

    /// <summary>
    /// Starts the returning thread and parks both threads at a barrier here, outside the timed region; from then on
    /// the returner polls the ring (spinning, yielding, never sleeping, so it does not oversleep an invocation's start).
    /// </summary>
    [GlobalSetup(Target = nameof(ArrayPoolRemoteReturn))]
    public void SetupRemote()
    {
        // 16 in flight keeps the rented arrays within the pool's per-core capacity: the pool never allocates.
        _ring = new SpscRing<byte[]>(16);
        _handedOff = 0;
        _progress = default;
        using var ready = new Barrier(2);
        var barrier = ready;
        _returner = new Thread(() => ReturnLoop(barrier)) { IsBackground = true, Name = "arraypool-returner" };
        _returner.Start();
        ready.SignalAndWait();
        TierWarmup.Run(ArrayPoolRemoteReturn);
    }

    [GlobalCleanup(Target = nameof(ArrayPoolRemoteReturn))]
    public void CleanupRemote()
    {
        // Publishes the stop to the returner's next poll.
        Volatile.Write(ref _progress.Stop, 1);
        _returner?.Join();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = PcpHitBenchmarks.PairsPerInvoke)]
    public void Floor()
    {
        var f = _floor;
        for (var i = 0; i < PcpHitBenchmarks.PairsPerInvoke; i++)
        {
            f.Push(f.Pop());
        }
    }

    [Benchmark(OperationsPerInvoke = PcpHitBenchmarks.PairsPerInvoke)]
    public void ArrayPoolLocal()
    {
        var pool = ArrayPool<byte>.Shared;
        for (var i = 0; i < PcpHitBenchmarks.PairsPerInvoke; i++)
        {
            pool.Return(pool.Rent(PageBytes));
        }
    }

    /// <summary>Rents here and hands each array through the ring to the returner; ends when it has returned them all.</summary>
    [Benchmark(OperationsPerInvoke = RemotePairsPerInvoke)]
    public void ArrayPoolRemoteReturn()
    {
        var pool = ArrayPool<byte>.Shared;
        var ring = _ring;
        var spinner = default(SpinWait);
        for (var i = 0; i < RemotePairsPerInvoke; i++)
        {
            var buffer = pool.Rent(PageBytes);
            while (!ring.TryEnqueue(buffer))
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }
        }

        _handedOff += RemotePairsPerInvoke;
        while (Volatile.Read(ref _progress.Returned) != _handedOff)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }

    private void ReturnLoop(Barrier ready)
    {
        var pool = ArrayPool<byte>.Shared;
        ready.SignalAndWait();
        var spinner = default(SpinWait);
        long returned = 0;
        while (Volatile.Read(ref _progress.Stop) == 0)
        {
            if (!_ring.TryDequeue(out var buffer))
            {
                spinner.SpinOnce(sleep1Threshold: -1);
                continue;
            }

            pool.Return(buffer);

            // Publishes the count to the renter, which waits for it at the end of an invocation.
            Volatile.Write(ref _progress.Returned, ++returned);
        }
    }

    /// <summary>The returner's count on a line of its own, away from the renter's fields.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Progress // do not make readonly: the returner advances it in place
    {
        private CacheLinePad _before;

        /// <summary>Arrays returned; written by the returner only.</summary>
        public long Returned;

        /// <summary>1 once cleanup asks the returner to end; written by the benchmark thread.</summary>
        public int Stop;

        private CacheLinePad _after;
    }
}
