using PcpTestbed.Designs;
using static PcpTestbed.Coyote.Scenarios.ScenarioHelpers;

namespace PcpTestbed.Coyote.Scenarios;

/// <summary>
/// The lock-free variant's remote-free list: CPUs 1 and 2 push frees of CPU 0's pages with CAS while CPU 0,
/// allocating and freeing under its own pcp->lock, takes the whole list with one exchange. Every pushed page
/// must end on a list (KERNEL.md §7.1), none twice.
/// </summary>
internal sealed class LockFreeRemoteListScenario : Scenario
{
    public override string Name => "lockfree-remote-list";

    public override string Description =>
        "two CPUs push remote frees onto the owner's lock-free list while the owner, under its pcp->lock, takes the list whole";

    public override IReadOnlyList<DesignKind> Designs => [DesignKind.PageblockLockFree];

    public override ScenarioConfig Configure(DesignKind design) => new() { Cpus = 3, Zone = "8M" };

    public override ScenarioIteration Start(ScenarioRun run) => new Iteration(run);

    private sealed class Iteration(ScenarioRun run) : ScenarioIteration(run)
    {
        private readonly long[] _pages = new long[5];

        public override void Setup()
        {
            MustAllocEach(Run, 0, _pages);
        }

        public override IReadOnlyList<CpuScript> Scripts() =>
        [
            new(0, "owner: allocates and frees (takes its remote list)", () =>
            {
                var a = Run.Alloc(0, Movable, 0);
                Run.Free(0, _pages[0], 0);
                if (a >= 0)
                {
                    Run.Free(0, a, 0);
                }
            }),
            new(1, "remote: pushes two frees", () =>
            {
                Run.Free(1, _pages[1], 0);
                Run.Free(1, _pages[2], 0);
            }),
            new(2, "remote: pushes two frees", () =>
            {
                Run.Free(2, _pages[3], 0);
                Run.Free(2, _pages[4], 0);
            }),
        ];
    }
}
