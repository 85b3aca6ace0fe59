namespace PcpTestbed.Execution.Virtual;

/// <summary>How a <see cref="CostConstant"/> appears in a cost-model file and what it means.</summary>
/// <param name="Group">The JSON object that holds it: seam, work, paths or cacheLines.</param>
/// <param name="Name">Its JSON name inside the group, ending in its unit (Ns or Lines).</param>
/// <param name="Max">The largest value a file may give it.</param>
/// <param name="Whole">A count: only whole numbers.</param>
/// <param name="Meaning">What the engine charges it for.</param>
public sealed record CostConstantInfo(string Group, string Name, double Max, bool Whole, string Meaning)
{
    /// <summary>group.name, as error messages and the sources map name it.</summary>
    public string Path => $"{Group}.{Name}";

    public string Unit => Whole ? "cache lines" : "ns";
}
