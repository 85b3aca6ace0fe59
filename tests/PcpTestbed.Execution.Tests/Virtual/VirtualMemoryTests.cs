using PcpTestbed.Designs;
using PcpTestbed.Execution.Cpus;
using PcpTestbed.Execution.LockStat;
using PcpTestbed.Execution.Virtual;
using PcpTestbed.Model.Layout;

namespace PcpTestbed.Execution.Tests.Virtual;

/// <summary>Memory of a virtual run: the zone's own metadata plus a constant per CPU, whatever the CPU count.</summary>
public class VirtualMemoryTests
{
    /// <summary>
    /// Bytes allocated by the machine, the lock_stat recorder (every hold timed) and the design over an already built 1 GiB
    /// zone, then by 200 alloc/free steps per CPU: everything a run adds to the zone.
    /// </summary>
    private static long BytesBeyondTheZone(DesignKind design, int cpus)
    {
        var zone = ZoneBuilder.Build(ZoneSpec.OfBytes(1L << 30));
        return BytesBeyond(zone, design, cpus);
    }

    private static long BytesBeyond(Model.Zone zone, DesignKind design, int cpus)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var machine = new VirtualMachine(cpus, CostModel.Default, zone);
        var recorder = new LockStatRecorder(cpus, holdSampleInterval: 1, seed: 1, clock: machine);
        var allocator = AllocatorFactory.Create(design, zone, new AllocatorConfig { Cpus = cpus },
            new VirtualExecution<LockStatProbe>(machine, new LockStatProbe(recorder)));
        var held = new long[cpus];
        Array.Fill(held, -1);
        machine.Run(cpu =>
        {
            if (held[cpu] < 0)
            {
                held[cpu] = allocator.Allocate(cpu, Model.Gfp.HighUserMovable, 0).Pfn;
            }
            else
            {
                allocator.Free(cpu, held[cpu], 0);
                held[cpu] = -1;
            }

            return true;
        }, RunLimit.Operations(200));
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Theory]
    [MemberData(nameof(VirtualDesignTests.AllDesigns), MemberType = typeof(VirtualDesignTests))]
    public void Memory_beyond_the_zone_grows_by_a_constant_per_cpu_from_64_to_256_cpus(DesignKind design)
    {
        BytesBeyondTheZone(design, 8); // JIT and statics out of the way
        var at64 = BytesBeyondTheZone(design, 64);
        var at128 = BytesBeyondTheZone(design, 128);
        var at256 = BytesBeyondTheZone(design, 256);

        var perCpuLow = (at128 - at64) / 64.0;
        var perCpuHigh = (at256 - at128) / 128.0;

        // Linear in the CPU count: the second 128 CPUs cost what the first 64 beyond 64 did, per CPU (list growth aside).
        Assert.True(perCpuLow > 0 && perCpuHigh > 0, $"{at64} {at128} {at256}");
        Assert.InRange(perCpuHigh / perCpuLow, 0.8, 1.25);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var zone = ZoneBuilder.Build(ZoneSpec.OfBytes(1L << 30));
        var zoneBytes = GC.GetAllocatedBytesForCurrentThread() - before;
        Console.WriteLine($"{design}: the 1 GiB zone {zoneBytes} B; beyond it 64 CPUs {at64} B, 128 CPUs {at128} B, 256 CPUs {at256} B (with {BytesBeyond(zone, design, 256)} B over this zone); per CPU {perCpuLow:F0} / {perCpuHigh:F0} B");
    }
}
