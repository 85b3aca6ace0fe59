using System.Runtime.CompilerServices;
using PcpTestbed.Model;

namespace PcpTestbed.Designs;

/// <summary>A counter per migratetype, inline.</summary>
[InlineArray(MigrateTypes.Count)]
public struct PerMigratetypeCounters // do not make readonly
{
    private long _first;
}

/// <summary>A counter per refill phase (P0..P3 of the pageblock design), inline.</summary>
[InlineArray(4)]
public struct PerPhaseCounters // do not make readonly
{
    private long _first;
}
