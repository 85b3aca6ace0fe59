namespace PcpTestbed.Designs;

/// <summary>The outcome of an allocation: the absolute pfn of the chunk's head, or a failure (not an exception).</summary>
public readonly record struct AllocResult(long Pfn)
{
    public static readonly AllocResult Failed = new(-1);

    public bool Succeeded => Pfn >= 0;
}
