using PcpTestbed.Execution.Locking;
using PcpTestbed.Execution.Virtual;
using PcpTestbed.Model;
using PcpTestbed.Model.Layout;
using PcpTestbed.Model.Sync;
using static PcpTestbed.Execution.Tests.Virtual.TestCosts;

namespace PcpTestbed.Execution.Tests.Virtual;

/// <summary>Each cost is charged as the model says: seam operations, work under a lock, cache lines, entry paths.</summary>
public class VirtualCostTests
{
    private readonly PaddedSpinLock[] _pcp = new PaddedSpinLock[2];

    public VirtualCostTests()
    {
        _pcp[0].Value = new EmuSpinLock(LockClass.Pcp, 0);
        _pcp[1].Value = new EmuSpinLock(LockClass.Pcp, 1);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(63)]
    public void A_pcp_hold_with_n_list_operations_costs_lock_plus_n_list_operations_plus_unlock(int n)
    {
        var m = new VirtualMachine(2, Costs);
        var exec = new VirtualExecution<NoLockProbe>(m, default);

        new Script(2).On(0, () =>
        {
            exec.Lock(ref _pcp[0].Value, 0, LockSite.PcpDrain);
            for (var i = 0; i < n; i++)
            {
                exec.Work(WorkKind.ListOp, 1);
            }

            exec.Unlock(ref _pcp[0].Value, 0);
        }).Run(m);

        Assert.Equal(Ps(LockNs + (n * PcpListOpNs) + UnlockNs), m.NowPs(0));
    }

    [Fact]
    public void A_list_operation_on_a_pcp_another_cpu_owns_costs_its_struct_page_line_too()
    {
        var m = new VirtualMachine(2, Costs);
        var exec = new VirtualExecution<NoLockProbe>(m, default);

        new Script(2).On(0, () =>
        {
            exec.Lock(ref _pcp[1].Value, 0, LockSite.PcpDrain);
            exec.Work(WorkKind.ListOp, 3);
            exec.Unlock(ref _pcp[1].Value, 0);
        }).Run(m);

        Assert.Equal(Ps(LockNs + (3 * (PcpListOpNs + (RemoteListOpLines * TransferNs))) + UnlockNs), m.NowPs(0));
    }

    [Fact]
    public void Zone_work_under_zone_lock_is_charged_from_the_zones_tally_split_and_merge_alike()
    {
        // One pageblock, all free: as after boot, an order-9 chunk.
        var zone = ZoneBuilder.Build(ZoneSpec.OfBytes(2 << 20));
        var m = new VirtualMachine(1, Costs, zone);
        var exec = new VirtualExecution<NoLockProbe>(m, default);
        long afterAlloc = 0, afterFree = 0;

        new Script(1).On(0, () =>
        {
            exec.Lock(ref zone.Lock, 0, LockSite.BuddyAlloc);
            var pfn = zone.RmqueueSmallest(0, MigrateType.Movable);
            exec.Unlock(ref zone.Lock, 0);
            afterAlloc = m.NowPs(0);

            exec.Lock(ref zone.Lock, 0, LockSite.DirectFree);
            zone.FreeOnePageLocked(pfn, 0);
            exec.Unlock(ref zone.Lock, 0);
            afterFree = m.NowPs(0);
        }).Run(m);

        // Taking an order-0 page from an order-9 chunk: one chunk, one list_del and nine list_adds (expand()). Freeing
        // it: one chunk, nine buddies merged (a list_del and a merge step each), then one list_add.
        Assert.Equal(Ps(LockNs + ChunkMoveNs + (10 * ZoneListOpNs) + UnlockNs), afterAlloc);
        Assert.Equal(Ps(LockNs + ChunkMoveNs + (10 * ZoneListOpNs) + (9 * MergeStepNs) + UnlockNs), afterFree - afterAlloc);
    }

    [Fact]
    public void Taking_a_lock_another_cpu_held_last_costs_its_cache_lines_and_retaking_your_own_does_not()
    {
        var m = new VirtualMachine(2, Costs);
        var exec = new VirtualExecution<NoLockProbe>(m, default);
        var spans = new List<long>();

        void LockUnlock(int cpu)
        {
            var before = m.NowPs(cpu);
            exec.Lock(ref _pcp[0].Value, cpu, LockSite.PcpDrain);
            exec.Unlock(ref _pcp[0].Value, cpu);
            spans.Add(m.NowPs(cpu) - before);
        }

        // CPU 0 takes it twice; then CPU 1 (its clock is 0, but CPU 0's holds end at 22 ns, so it starts later).
        new Script(2).On(0, () =>
        {
            LockUnlock(0);
            LockUnlock(0);
        }).On(1, () => m.Charge(1, 100)).On(1, () => LockUnlock(1)).Run(m);

        Assert.Equal([Ps(LockNs + UnlockNs), Ps(LockNs + UnlockNs), Ps(LockNs + (PcpLines * TransferNs) + UnlockNs)], spans);
    }

    [Fact]
    public void Atomics_and_entry_paths_cost_what_the_model_says_and_racy_reads_nothing()
    {
        var m = new VirtualMachine(1, Costs);
        var exec = new VirtualExecution<NoLockProbe>(m, default);
        var word = new int[1];

        new Script(1).On(0, () =>
        {
            exec.OpBegin(0, AllocatorOp.Alloc, 0, 0);
            exec.OpBegin(0, AllocatorOp.Free, 0, 0);
            exec.OpBegin(0, AllocatorOp.FreeBatch, 31, 0);
            Assert.Equal(0, exec.CompareExchange(ref word[0], 5, 0, SharedLocation.DrainMutex, AccessSite.DrainMutexTrylock));
            Assert.Equal(5, exec.Exchange(ref word[0], 6, SharedLocation.DrainMutex, AccessSite.DrainMutexUnlock));
            exec.SharedRead(SharedLocation.ZoneCounters, AccessSite.WatermarkCheck);
            exec.SharedWrite(SharedLocation.ZoneFlags, AccessSite.FreeCommitBelowHigh);
        }).Run(m);

        Assert.Equal(Ps(AllocPathNs + FreePathNs + (31 * FreePathNs) + (2 * AtomicNs)), m.NowPs(0));
        Assert.Equal(6, word[0]);
    }

    [Fact]
    public void A_page_direct_reclaim_frees_inside_an_allocation_costs_a_free_and_a_batchs_folio_nothing_more()
    {
        var m = new VirtualMachine(1, Costs);
        var exec = new VirtualExecution<NoLockProbe>(m, default);

        new Script(1).On(0, () =>
        {
            exec.OpBegin(0, AllocatorOp.Alloc, 0, 0);
            exec.OpFolio(0, 10, 0);
            exec.OpFolio(0, 11, 0);
            exec.OpBegin(0, AllocatorOp.FreeBatch, 2, 0);
            exec.OpFolio(0, 12, 0);
            exec.OpFolio(0, 13, 0);
        }).Run(m);

        Assert.Equal(Ps(AllocPathNs + (2 * FreePathNs) + (2 * FreePathNs)), m.NowPs(0));
    }

    [Fact]
    public void A_step_that_charges_nothing_still_moves_its_clock()
    {
        var m = new VirtualMachine(1, Costs);

        new Script(1).On(0, () => { }).Run(m);

        Assert.Equal(VirtualMachine.EmptyStepPs, m.NowPs(0));
        Assert.Equal(1, m.EmptySteps);
    }

    [Fact]
    public void Operations_outside_a_step_are_untimed()
    {
        var m = new VirtualMachine(1, Costs);
        var exec = new VirtualExecution<NoLockProbe>(m, default);

        exec.Lock(ref _pcp[0].Value, 0, LockSite.PcpDrain);
        exec.Work(WorkKind.ListOp, 5);
        exec.Unlock(ref _pcp[0].Value, 0);

        Assert.Equal(0, m.NowPs(0));
        Assert.Equal(0, m.LockStats()[(int)LockClass.Pcp].Acquisitions);
    }
}
