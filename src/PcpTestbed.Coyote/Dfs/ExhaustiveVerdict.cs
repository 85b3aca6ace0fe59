namespace PcpTestbed.Coyote.Dfs;

/// <summary>How an exhaustive search ended.</summary>
public enum ExhaustiveVerdict
{
    /// <summary>Every schedule within the bound ran clean: the scenario holds for every interleaving within it.</summary>
    Holds,

    /// <summary>A schedule failed; its trace file replays it.</summary>
    BugFound,

    /// <summary>The time budget ran out first: nothing is claimed.</summary>
    Incomplete,
}
