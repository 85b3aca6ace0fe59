using System.Numerics;

namespace PcpTestbed.Coyote.Dfs;

/// <summary>
/// Our scheduler's default choice, wherever nothing else decides (a new branch of the exhaustive search beyond its
/// prefix, a schedule that ended or names a CPU that cannot run): the CPU that ran the last step if it can go on,
/// else the lowest-numbered CPU that can run. It never preempts, so it costs nothing against a preemption bound.
/// </summary>
internal static class SchedulePolicy
{
    public static int Default(int enabled, int previous) =>
        previous >= 0 && (enabled & (1 << previous)) != 0 ? previous : BitOperations.TrailingZeroCount(enabled);
}
