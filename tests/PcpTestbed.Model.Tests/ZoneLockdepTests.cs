using PcpTestbed.Model.Layout;
using PcpTestbed.Model.Sync;
using static PcpTestbed.Model.Tests.TestZones;

namespace PcpTestbed.Model.Tests;

/// <summary>
/// lockdep_assert_held(&amp;zone->lock) in the zone: attached to an execution, inside an entry point the current CPU
/// must hold zone->lock itself (another CPU holding it is a failure naming the lock, the function, the CPU and the
/// holder); a zone on no CPU yet (being built, or tested alone) asks that somebody does. Pageblock word writes are
/// guarded by zone->lock too.
/// </summary>
public class ZoneLockdepTests
{
    [Fact]
    public void A_buddy_function_called_by_a_cpu_that_does_not_hold_zone_lock_fails_naming_lock_site_cpu_and_holder()
    {
        var zone = ZoneBuilder.Build(ZoneSpec.Parse("4M"));
        zone.AttachSeam(new ZoneSeam<DirectExecution>(default));
        DirectExecution.Seize(ref zone.Lock, cpu: 0);
        var exec = default(DirectExecution);
        exec.OpBegin(1, AllocatorOp.Alloc, 0, 0);
        try
        {
            var e = Assert.Throws<LockdepException>(() => zone.RmqueueBuddyLocked(0, MigrateType.Movable, AllocFlags.WmarkLow));

            Assert.StartsWith("lockdep_assert_held(&zone->lock) failed in RmqueueBuddyLocked: CPU 1 does not hold zone->lock; CPU 0 holds it", e.Message);
        }
        finally
        {
            exec.OpEnd(1, 0);
            DirectExecution.Release(ref zone.Lock);
        }
    }

    [Fact]
    public void A_buddy_function_called_by_the_cpu_that_holds_zone_lock_passes()
    {
        var zone = ZoneBuilder.Build(ZoneSpec.Parse("4M"));
        zone.AttachSeam(new ZoneSeam<DirectExecution>(default));
        var exec = default(DirectExecution);
        exec.OpBegin(2, AllocatorOp.Alloc, 0, 0);
        try
        {
            exec.Lock(ref zone.Lock, 2, LockSite.BuddyAlloc);
            var pfn = zone.RmqueueBuddyLocked(0, MigrateType.Movable, AllocFlags.WmarkLow);
            zone.PrepNewPage(pfn, 0, MigrateType.Movable);
            exec.Unlock(ref zone.Lock, 2);

            Assert.Equal(PageState.Allocated, zone.Pages[pfn].State);
        }
        finally
        {
            exec.OpEnd(2, 0);
        }
    }

    [Fact]
    public void Outside_an_entry_point_nobody_holding_zone_lock_fails()
    {
        var zone = ZoneBuilder.Build(ZoneSpec.Parse("4M"));

        var e = Assert.Throws<LockdepException>(() => zone.RmqueueBuddyLocked(0, MigrateType.Movable, AllocFlags.WmarkLow));

        Assert.Equal("lockdep_assert_held(&zone->lock) failed in RmqueueBuddyLocked: the caller does not hold zone->lock; nobody holds it", e.Message);
    }

    [Fact]
    public void A_pageblock_migratetype_write_without_zone_lock_fails()
    {
        var zone = AllAllocated(MigrateType.Movable);

        var e = Assert.Throws<LockdepException>(() => zone.SetPageblockMigratetype(0, MigrateType.Unmovable));

        Assert.Contains("failed in SetPageblockMigratetype", e.Message);
        Assert.Equal(MigrateType.Movable, zone.GetPageblockMigratetype(0));
    }

    [Fact]
    public void A_pageblock_owner_write_without_zone_lock_fails()
    {
        var zone = AllAllocated(MigrateType.Movable);
        zone.EnableOwnership(2);

        var e = Assert.Throws<LockdepException>(() => zone.ClaimBlockOwnership(0, 1));

        Assert.Contains("failed in ClaimBlockOwnership", e.Message);
        Assert.Equal(-1, zone.Blocks[0].Owner);
    }

    [Fact]
    public void With_no_seam_attached_the_zone_checks_nothing()
    {
        var zone = AllAllocated(MigrateType.Movable);
        zone.AttachSeam(null);

        zone.SetPageblockMigratetype(0, MigrateType.Unmovable);

        Assert.Equal(MigrateType.Unmovable, zone.GetPageblockMigratetype(0));
    }
}
