using PcpTestbed.Coyote.Repro;
using PcpTestbed.Designs;
using PcpTestbed.Model;
using PcpTestbed.Model.Layout;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote.Tests;

/// <summary>
/// The snapshot: a reproduction file carries the allocator's exact state at the window's start, and with a complete window
/// the rebuild restores it (the run's PCP lists, block owners, remote-free lists and offline CPUs) instead of the ballast;
/// the pages the window frees from before it are the snapshot's chunks at their pfns.
/// </summary>
public class ReproSnapshotTests
{
    private const string Spec = "64M";

    [Fact]
    public void The_rebuild_restores_the_runs_exact_state_at_the_windows_start()
    {
        var (allocator, preWindow) = RunAllocator();
        var snapshot = allocator.SaveSnapshot();
        var file = TestReproFiles.RoundTrip(Build(allocator, snapshot, preWindow));

        var run = ReproSetup.Run(file, window: 1 << 20);

        var rebuilt = run.Allocator.SaveSnapshot();
        Assert.Equal(snapshot.Zone.Pages, rebuilt.Zone.Pages);
        Assert.Equal(snapshot.Zone.Blocks, rebuilt.Zone.Blocks);
        Assert.Equal(snapshot.PerCpu, rebuilt.PerCpu);
        Assert.Equal(snapshot.Online, rebuilt.Online);
        Assert.False(run.Allocator.IsOnline(1));
        Assert.Contains(run.Zone.Blocks, b => b.Owner == 0);
    }

    [Fact]
    public void The_windows_operations_continue_from_the_snapshot_as_the_run_did()
    {
        var (allocator, preWindow) = RunAllocator();
        var file = Build(allocator, allocator.SaveSnapshot(), preWindow);

        // The whole window serially in setup: the free of the page from before the window frees the snapshot's chunk at its
        // pfn, and the allocation then finds what the run's did.
        var run = ReproSetup.Run(file, window: 0);
        allocator.Free(0, preWindow, 0);
        var pfn = allocator.Allocate(0, Gfp.Kernel, 0).Pfn;

        Assert.Equal(allocator.Zone.Pages, run.Zone.Pages);
        Assert.Equal(PageState.Allocated, run.Zone.Pages[run.Zone.RelativePfn(pfn)].State);
    }

    [Fact]
    public void A_file_without_a_snapshot_or_with_an_incomplete_window_rebuilds_with_the_ballast()
    {
        var (allocator, preWindow) = RunAllocator();
        var file = Build(allocator, allocator.SaveSnapshot(), preWindow);
        Assert.True(new ReproScenario(file, 1).RestoresSnapshot);

        var without = TestReproFiles.RoundTrip(file with { Snapshot = null });
        Assert.False(new ReproScenario(without, 1).RestoresSnapshot);
        Assert.Contains("ballast", without.Rebuild());
        var run = ReproSetup.Run(without, window: 1 << 20);
        Assert.Equal(without.Holdings!.HeldPages, ZoneHoldings.Take(run.Zone).HeldPages);
        Assert.True(run.Allocator.IsOnline(1)); // the ballast path kills only CPUs whose first hotplug event in the window is an online

        var incomplete = file with { WindowComplete = false, LostBeforeWindow = [5, 0] };
        Assert.False(new ReproScenario(incomplete, 1).RestoresSnapshot);
        Assert.Contains("the window is incomplete", incomplete.Rebuild());
    }

    [Fact]
    public void A_chunk_the_window_frees_twice_from_before_it_maps_to_its_first_free_only()
    {
        // The global order put the second free of the chunk (reallocated in the window) before its allocation: two pages from
        // before the window at one pfn. Only the first names the snapshot's chunk; the second's free is skipped, not a double free.
        var (allocator, preWindow) = RunAllocator();
        var file = Build(allocator, allocator.SaveSnapshot(), preWindow,
            [new RecordedOp(AllocatorOp.Free, preWindow, 0, 0, 1, true, false), new RecordedOp(AllocatorOp.Free, preWindow, 0, 0, 1, true, false)]);
        Assert.Equal(2, file.Pages.Count(p => p.Pfn == preWindow));

        var run = ReproSetup.Run(file, window: 0);

        Assert.Single(file.PagesInSnapshot());
        Assert.NotEqual(PageState.Allocated, run.Zone.Pages[run.Zone.RelativePfn(preWindow)].State);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_later_iteration_restores_what_the_first_iterations_setup_left(bool snapshot)
    {
        // Both operations before the window (window 0): setup frees the page from before it and allocates, from the snapshot or
        // with the ballast. The second iteration restores what the first left instead of running setup again: the same
        // allocator state, the same handles' pages, the same step log (a trace's steps are compared on replay).
        var (allocator, preWindow) = RunAllocator();
        var file = Build(allocator, allocator.SaveSnapshot(), preWindow);
        file = snapshot ? file : TestReproFiles.RoundTrip(file with { Snapshot = null });
        var scenario = new ReproScenario(file, 0);

        var first = ReproSetup.Run(scenario);
        Assert.True(scenario.KeepsSetup);
        var second = ReproSetup.Run(scenario);

        var (a, b) = (first.Allocator.SaveSnapshot(), second.Allocator.SaveSnapshot());
        Assert.Equal(a.Zone.Pages, b.Zone.Pages);
        Assert.Equal(a.Zone.Blocks, b.Zone.Blocks);
        Assert.Equal(a.PerCpu, b.PerCpu);
        Assert.Equal(a.Online, b.Online);
        Assert.Equal(first.State.ReadableSteps(), second.State.ReadableSteps());
        Assert.NotEmpty(second.State.ReadableSteps());
        Assert.Equal(first.Allocator.IsOnline(1), second.Allocator.IsOnline(1));
    }

    public static TheoryData<string, string> Damage => new()
    {
        { "not-base64", "has a damaged snapshot: the snapshot is not base64" },
        { "truncated", "has a damaged snapshot: the snapshot ends early" },
        { "trailing", "bytes past its end" },
        { "link", "has a damaged snapshot: the snapshot's page" },
        { "state", "has a damaged snapshot: restored, it fails the audit it passed at the checkpoint" },
        { "design", "has a snapshot of pageblock-lockfree with 2 CPUs" },
    };

    [Theory]
    [MemberData(nameof(Damage))]
    public void A_damaged_snapshot_is_refused_naming_the_problem(string damage, string problem)
    {
        var (allocator, preWindow) = RunAllocator();
        var snapshot = allocator.SaveSnapshot();
        var file = Build(allocator, snapshot, preWindow);
        var bytes = AllocatorSnapshotCodec.Encode(snapshot);
        file = damage switch
        {
            "not-base64" => file with { Snapshot = "@@" + file.Snapshot },
            "truncated" => file with { Snapshot = Convert.ToBase64String(bytes[..^100]) },
            "trailing" => file with { Snapshot = Convert.ToBase64String([.. bytes, 0]) },
            "link" => file with { Snapshot = Convert.ToBase64String(Damaged(snapshot, (ref Page p) => p.Cpu = 99)) },
            "state" => file with { Snapshot = Convert.ToBase64String(Damaged(snapshot, (ref Page p) => p.State = PageState.Buddy)) },
            _ => file with { Design = "mainline" },
        };

        var e = Assert.Throws<ReproFormatException>(() => TestReproFiles.RoundTrip(file));
        Assert.Contains(problem, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    internal delegate void PageEdit(ref Page page);

    /// <summary>The snapshot's bytes with <paramref name="edit"/> applied to its first allocated page (the original is left alone).</summary>
    internal static byte[] Damaged(AllocatorSnapshot snapshot, PageEdit edit)
    {
        var copy = AllocatorSnapshotCodec.Decode(AllocatorSnapshotCodec.Encode(snapshot));
        var first = Array.FindIndex(copy.Zone.Pages, p => p.State == PageState.Allocated);
        edit(ref copy.Zone.Pages[first]);
        return AllocatorSnapshotCodec.Encode(copy);
    }

    /// <summary>
    /// A pageblock-lockfree allocator of 2 CPUs as a run might leave it at a clean audit: CPU 0 owns blocks and holds pages,
    /// CPU 1 freed some of them remotely and then went offline. Returns it and the absolute pfn of a page CPU 0 still holds,
    /// which the window frees.
    /// </summary>
    internal static (PageAllocator<DirectExecution> Allocator, long PreWindow) RunAllocator()
    {
        var allocator = AllocatorFactory.Create(DesignKind.PageblockLockFree, ZoneBuilder.Build(ZoneSpec.Parse(Spec)),
            new AllocatorConfig { Cpus = 2, Highatomic = HighatomicVariants.Default }, new DirectExecution());
        var pfns = Enumerable.Range(0, 40).Select(_ => allocator.Allocate(0, Gfp.HighUserMovable, 0).Pfn).ToList();
        foreach (var pfn in pfns.Take(10))
        {
            allocator.Free(1, pfn, 0);
        }

        allocator.CpuDead(1, 0);
        return (allocator, pfns[^1]);
    }

    /// <summary>A file whose window, on CPU 0, frees the page from before it and allocates one (or is <paramref name="cpu0"/>).</summary>
    internal static ReproFile Build(PageAllocator<DirectExecution> allocator, AllocatorSnapshot snapshot, long preWindow, RecordedOp[]? cpu0 = null) =>
        TestReproFiles.TwoCpus(PcpTestbed.Designs.Designs.Name(allocator.Design), Spec, cpu0 ?? TestReproFiles.FreeThenAllocate(preWindow, 0), ZoneHoldings.Take(allocator.Zone), snapshot);
}
