namespace PcpTestbed.Execution.Virtual;

/// <summary>
/// What the virtual-time engine charges a CPU for each thing it does, in ns (and cache-line counts), with where each
/// number comes from. Read from a versioned JSON file (<see cref="CostModelFile"/>), written by <c>calibrate</c>, or
/// <see cref="Default"/>.
/// </summary>
/// <remarks>
/// <para>
/// <b>What is modelled.</b> Every seam operation (lock, trylock, unlock, cmpxchg/xchg, and a contended lock's
/// handover); every unit of work under a lock (free-list and PCP-list operations, chunks taken from or given back to
/// the free lists, buddy merge steps, struct pages walked); the allocator's entry paths outside their locks; and cache lines moving between CPUs: taking a lock
/// another CPU held last moves the lock's lines (<see cref="CostConstant.ZoneLockLines"/>,
/// <see cref="CostConstant.PcpLockLines"/>), a failed trylock reads the holder's line, and a list operation on a
/// PCP another CPU owns moves that page's struct page (<see cref="CostConstant.RemotePcpListOpLines"/>). A
/// workload's own per-page work arrives through <see cref="VirtualMachine.Charge"/>.
/// </para>
/// <para>
/// <b>What is left out.</b> The identity of an atomic's target (a cmpxchg always costs <see cref="CostConstant.AtomicNs"/>,
/// even on a remote-free list another CPU pushed to last); struct pages on the zone's free lists that another CPU
/// touched last (their average cost is inside <see cref="CostConstant.ZoneListOpNs"/>); a page routed to its owner's
/// PCP and taken by the owner later (the owner's list operation is charged as local); the pageblock designs' merge
/// pass walking PCP lists (only its list operations are charged); racy reads (READ_ONCE of counters and flags); the
/// zone's free-page counters other CPUs read in their watermark checks; memory bandwidth, NUMA distance, SMT siblings,
/// prefetching and false sharing.
/// </para>
/// </remarks>
public sealed class CostModel
{
    public const int FormatVersion = 1;

    private readonly double[] _values;
    private readonly string[] _sources;

    /// <param name="values">Every constant, indexed by <see cref="CostConstant"/>, validated against its range.</param>
    /// <param name="sources">Where each value comes from (free text, may be empty), indexed the same way.</param>
    public CostModel(string source, IReadOnlyList<double> values, IReadOnlyList<string>? sources = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count != CostConstants.Count)
        {
            throw new ArgumentException($"expected {CostConstants.Count} values, got {values.Count}", nameof(values));
        }

        foreach (var c in CostConstants.All)
        {
            var problem = CheckValue(c, values[(int)c]);
            if (problem != null)
            {
                throw new ArgumentOutOfRangeException(nameof(values), values[(int)c], $"{CostConstants.Info(c).Path}: {problem}");
            }
        }

        Source = source;
        _values = [.. values];
        _sources = sources is null ? new string[CostConstants.Count] : [.. sources];
        if (_sources.Length != CostConstants.Count)
        {
            throw new ArgumentException($"expected {CostConstants.Count} sources, got {_sources.Length}", nameof(sources));
        }

        for (var i = 0; i < _sources.Length; i++)
        {
            _sources[i] ??= "";
        }
    }

    /// <summary>Where the model as a whole comes from: the machine and command that measured it, or "shipped defaults".</summary>
    public string Source { get; }

    /// <summary>
    /// The shipped defaults: measured on this project's 2-core AMD EPYC VM (.NET 10, Linux x86-64) with
    /// <c>pcptestbed calibrate</c> on 2026-12-07; each constant's source says how, and how it compares with the
    /// suite's own figures (src/PcpTestbed.Execution/INSTRUMENTATION.md, stress/PcpTestbed.Benchmarks/RESULTS.md).
    /// </summary>
    public static CostModel Default { get; } = CostModelDefaults.Build();

    public double this[CostConstant c] => _values[(int)c];

    /// <summary>Where <paramref name="c"/>'s value comes from; empty when the file did not say.</summary>
    public string SourceOf(CostConstant c) => _sources[(int)c];

    public IReadOnlyList<double> Values => _values;

    public IReadOnlyList<string> Sources => _sources;

    /// <summary>This model with one constant replaced (for experiments and tests).</summary>
    public CostModel With(CostConstant c, double value, string? source = null)
    {
        var values = (double[])_values.Clone();
        var sources = (string[])_sources.Clone();
        values[(int)c] = value;
        sources[(int)c] = source ?? "set by hand";
        return new CostModel(Source, values, sources);
    }

    /// <summary>Why <paramref name="value"/> cannot be <paramref name="c"/>, or null when it can.</summary>
    public static string? CheckValue(CostConstant c, double value)
    {
        var info = CostConstants.Info(c);
        if (!double.IsFinite(value) || value < 0 || value > info.Max)
        {
            return $"expected {(info.Whole ? "a whole number of" : "a number of")} {info.Unit} from 0 to {info.Max:0}";
        }

        if (info.Whole && value != Math.Floor(value))
        {
            return $"expected a whole number of {info.Unit} from 0 to {info.Max:0}";
        }

        return null;
    }

    /// <summary>Same values (sources and descriptions aside).</summary>
    public bool SameValues(CostModel other) => _values.AsSpan().SequenceEqual(other._values);
}
