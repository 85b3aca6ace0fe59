namespace PcpTestbed.Coyote.Dfs;

/// <summary>Decides, at each step of one iteration under our scheduler, which CPU runs next.</summary>
internal interface IScheduleChooser
{
    /// <summary>
    /// The CPU that runs step <paramref name="index"/> (0-based): one of the bits of <paramref name="enabled"/> (never
    /// empty), or -1 to stop the iteration here. <paramref name="previous"/> ran the step before (-1 at the first);
    /// <paramref name="controller"/> tells what each CPU is about to do.
    /// </summary>
    int Choose(DfsController controller, int index, int enabled, int previous);
}
