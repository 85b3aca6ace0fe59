using PcpTestbed.Model;

namespace PcpTestbed.Workloads.Observe;

/// <summary>Migratetypes as the run JSON names them: the pagetypeinfo names in lower case ("unmovable", ..., "cma", "isolate").</summary>
public static class MigratetypeKeys
{
    public static string Of(MigrateType mt) => MigrateTypes.KernelName(mt).ToLowerInvariant();

    /// <summary>A value per migratetype, indexed by <see cref="MigrateType"/>, keyed by name in migratetype order.</summary>
    public static IReadOnlyDictionary<string, T> ByType<T>(Func<MigrateType, T> value) =>
        MigrateTypes.All().ToDictionary(Of, value);
}
