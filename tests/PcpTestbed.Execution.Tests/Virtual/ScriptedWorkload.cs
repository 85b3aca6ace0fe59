using PcpTestbed.Designs;
using PcpTestbed.Execution.Virtual;
using PcpTestbed.Model;

namespace PcpTestbed.Execution.Tests.Virtual;

/// <summary>
/// A seeded allocator workload for the engine's tests: each CPU faults in a run of pages (mostly order 0, some orders
/// 1-3), charging the page's clearing as per-page work, then frees them; one free in eight frees a page another CPU
/// allocated (a remote free), and every 500th step on a CPU drains every PCP. Everything it does follows from the
/// seed and the order the machine runs the steps in.
/// </summary>
internal sealed class ScriptedWorkload
{
    public const long ClearPageNs = 250;

    private readonly IPageAllocator _allocator;
    private readonly VirtualMachine _machine;
    private readonly List<(long Pfn, int Order)>[] _held;
    private readonly ulong[] _rng;
    private readonly bool[] _freeing;
    private readonly long[] _steps;
    private readonly int _runLength;

    public ScriptedWorkload(IPageAllocator allocator, VirtualMachine machine, ulong seed, int runLength = 96)
    {
        _allocator = allocator;
        _machine = machine;
        _runLength = runLength;
        var cpus = allocator.Cpus;
        _held = [.. Enumerable.Range(0, cpus).Select(_ => new List<(long, int)>())];
        _rng = [.. Enumerable.Range(0, cpus).Select(c => (seed * 0x9E3779B97F4A7C15UL) + (ulong)(c + 1))];
        _freeing = new bool[cpus];
        _steps = new long[cpus];
    }

    public bool Step(int cpu)
    {
        var r = Next(cpu);
        if (++_steps[cpu] % 500 == 0)
        {
            _allocator.DrainAllPages(cpu);
            return true;
        }

        if (!_freeing[cpu])
        {
            var order = r % 16 == 0 ? (int)(1 + ((r >> 8) % 3)) : 0;
            var result = _allocator.Allocate(cpu, Gfp.HighUserMovable, order);
            if (result.Succeeded)
            {
                _held[cpu].Add((result.Pfn, order));
                _machine.Charge(cpu, ClearPageNs << order);
            }

            _freeing[cpu] = !result.Succeeded || _held[cpu].Count >= _runLength;
            return true;
        }

        // One free in eight takes a page from another CPU's holdings: it is freed here, remotely.
        var from = r % 8 == 0 ? (int)((r >> 16) % (ulong)_held.Length) : cpu;
        if (_held[from].Count == 0)
        {
            from = cpu;
        }

        var list = _held[from];
        if (list.Count > 0)
        {
            var (pfn, order) = list[^1];
            list.RemoveAt(list.Count - 1);
            _allocator.Free(cpu, pfn, order);
        }

        _freeing[cpu] = _held[cpu].Count > 0;
        return true;
    }

    /// <summary>Frees everything still held, as CPU 0, outside any step.</summary>
    public void ReleaseAll()
    {
        foreach (var list in _held)
        {
            foreach (var (pfn, order) in list)
            {
                _allocator.Free(0, pfn, order);
            }

            list.Clear();
        }
    }

    private ulong Next(int cpu)
    {
        // xorshift64*.
        var x = _rng[cpu];
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        _rng[cpu] = x;
        return x * 0x2545F4914F6CDD1DUL;
    }
}
