namespace PcpTestbed.Coyote.Dfs;

/// <summary>How a step touches the object of its <see cref="Footprint"/>.</summary>
internal enum FootprintMode : byte
{
    /// <summary>Nothing shared: the step is independent of every other.</summary>
    None,

    Read,

    /// <summary>A write, a read-modify-write, or any operation on a lock.</summary>
    Write,

    /// <summary>An operation begins: the quiescence count rises.</summary>
    OpBegin,

    /// <summary>An operation ends: the quiescence count falls, and the auditor runs when it reaches zero.</summary>
    OpEnd,
}
