namespace PcpTestbed.Model.Layout;

/// <summary>Where a spec puts the pageblocks of a type.</summary>
public enum BlockPlacement
{
    /// <summary>From the zone's first block upward.</summary>
    Start,

    /// <summary>From the zone's last block downward (where CMA areas usually sit).</summary>
    End,

    /// <summary>Evenly interleaved with the other blocks.</summary>
    Spread,
}

/// <summary>A number of pageblocks of one type and where they go. Blocks no rule claims are MOVABLE, as at boot.</summary>
public sealed record BlockRule(MigrateType Type, int Blocks, BlockPlacement Placement);
