using System.Text.Json.Serialization;

namespace PcpTestbed.Execution.Cpus;

/// <summary>
/// What the watchdog found when CPUs missed a quiescent point: one block per stuck CPU (like the kernel's
/// soft-lockup report with lockdep's held locks), the other CPUs holding locks, and a verdict: a failure of the
/// design (<see cref="DesignFailure"/>) or a fault of the testbed.
/// </summary>
public sealed record StuckCpuReport
{
    /// <summary>The coordinator's wait that ran out: <c>stop the world</c>, <c>take CPU 9 offline</c>, <c>run posted work ...</c>, <c>end the run</c>.</summary>
    public required string Operation { get; init; }

    public required double WaitedSeconds { get; init; }

    /// <summary>What ran (workload, design), printed in each block's first line; null when not given.</summary>
    public string? Label { get; init; }

    /// <summary>The most serious of the stuck CPUs' kinds.</summary>
    public required HangKind LooksLike { get; init; }

    /// <summary>A hang the design could have on a real kernel (deadlock, a lock never released, a livelock), not a fault of the testbed.</summary>
    public bool DesignFailure => HangKinds.IsDesignFailure(LooksLike);

    /// <summary>The conclusion in one line.</summary>
    public required string Verdict { get; init; }

    public required IReadOnlyList<StuckCpu> Cpus { get; init; }

    /// <summary>CPUs that are not stuck but hold locks.</summary>
    public required IReadOnlyList<LockHolder> OtherLockHolders { get; init; }

    /// <summary>What killed a CPU that died holding a lock a stuck CPU waits for: the failure behind the hang, if any.</summary>
    [JsonIgnore]
    public Exception? HolderFault { get; init; }

    /// <summary>The report as printed: the blocks, the other lock holders, the verdict.</summary>
    public IReadOnlyList<string> Lines()
    {
        var lines = new List<string>();
        foreach (var cpu in Cpus)
        {
            lines.AddRange(cpu.Text);
        }

        if (OtherLockHolders.Count > 0)
        {
            lines.Add("other CPUs holding locks:");
            foreach (var h in OtherLockHolders)
            {
                lines.Add($" CPU {h.Cpu} ({h.Doing}): {string.Join(", ", h.HeldLocks.Select(l => $"{l.Lock} at {l.Site}"))}");
            }
        }

        lines.Add($"verdict: {Verdict}");
        return lines;
    }

    public override string ToString() => string.Join(Environment.NewLine, Lines());
}
