namespace PcpTestbed.Designs;

// Hooks for single-threaded rule tests (tests/PcpTestbed.Designs.Tests), internal to the designs.
public abstract partial class PageAllocator<TExec>
{
    /// <summary>
    /// A CPU's per_cpu_pages in place. Tests use it to seize the CPU's pcp->lock on behalf of another
    /// CPU (<see cref="Model.Sync.DirectExecution.Seize"/>), which forces the next trylock to fail, and to
    /// read the lists. Quiescent points only: nothing else may hold or change the PCP meanwhile.
    /// </summary>
    internal ref PerCpuPages PcpRef(int cpu) => ref _pcps[cpu];

    /// <summary>nr_pcp_high() on <paramref name="cpu"/>'s PCP as the caller is: it updates pcp->high, so the caller must hold that pcp->lock.</summary>
    internal int NrPcpHighForTest(int cpu) => NrPcpHigh(cpu, ref _pcps[cpu], _pcps[cpu].Batch, freeHigh: false);

    /// <summary>free_pcppages_bulk() of <paramref name="count"/> pages from <paramref name="cpu"/>'s PCP, starting at list <paramref name="pindex"/>: the caller must hold that pcp->lock.</summary>
    internal void FreePcppagesBulkForTest(int cpu, int count, int pindex) =>
        FreePcppagesBulk(cpu, cpu, ref _pcps[cpu], count, pindex, Model.Sync.LockSite.Drain);
}
