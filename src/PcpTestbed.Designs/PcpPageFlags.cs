namespace PcpTestbed.Designs;

/// <summary>Bits the designs keep in <see cref="Model.Page.Flags"/> while a chunk is on a PCP.</summary>
[Flags]
public enum PcpPageFlags : byte
{
    None = 0,

    /// <summary>Put on this PCP by another CPU's free (only the pageblock designs' owner routing may do that).</summary>
    RoutedFree = 1 << 0,
}
