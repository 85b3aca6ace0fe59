using System.ComponentModel;
using System.Runtime.InteropServices;

namespace PcpTestbed.Execution.Cpus;

/// <summary>Linux thread affinity through libc's sched_setaffinity / sched_getaffinity.</summary>
/// <remarks>Uses a 1024-bit cpu_set_t (glibc's CPU_SETSIZE): host CPUs numbered 1024 and above are not supported.</remarks>
public static unsafe partial class HostAffinity
{
    private const int CpuSetBits = 1024;
    private const int CpuSetWords = CpuSetBits / 64;

    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>The host CPUs the calling thread may run on, ascending.</summary>
    public static int[] GetCurrentThreadAffinity()
    {
        EnsureSupported();
        var set = stackalloc ulong[CpuSetWords];
        new Span<ulong>(set, CpuSetWords).Clear();

        // pid 0: the calling thread.
        if (sched_getaffinity(0, CpuSetWords * sizeof(ulong), set) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), "sched_getaffinity failed");
        }

        var cpus = new List<int>();
        for (var cpu = 0; cpu < CpuSetBits; cpu++)
        {
            if ((set[cpu / 64] & (1UL << (cpu % 64))) != 0)
            {
                cpus.Add(cpu);
            }
        }

        return [.. cpus];
    }

    /// <summary>Restricts the calling thread to one host CPU.</summary>
    public static void PinCurrentThread(int hostCpu)
    {
        EnsureSupported();
        ArgumentOutOfRangeException.ThrowIfNegative(hostCpu);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(hostCpu, CpuSetBits);
        var set = stackalloc ulong[CpuSetWords];
        new Span<ulong>(set, CpuSetWords).Clear();
        set[hostCpu / 64] = 1UL << (hostCpu % 64);
        if (sched_setaffinity(0, CpuSetWords * sizeof(ulong), set) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), $"sched_setaffinity to host CPU {hostCpu} failed");
        }
    }

    private static void EnsureSupported()
    {
        if (!IsSupported)
        {
            throw new PlatformNotSupportedException("thread pinning uses sched_setaffinity and needs Linux");
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_getaffinity(int pid, nuint cpusetsize, ulong* mask);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_setaffinity(int pid, nuint cpusetsize, ulong* mask);
}
