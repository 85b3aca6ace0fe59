using PcpTestbed.Designs;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote.Scenarios;

/// <summary>
/// A deliberate race in the scenario itself: two CPUs increment a shared counter with a read, a racy access
/// through the execution seam, and a write. The suite must find the lost update; if it does not, the seam's
/// scheduling points are not under Coyote's control and no clean result can be trusted.
/// </summary>
internal sealed class CanaryScenario : Scenario
{
    public const string ScenarioName = "canary-lost-update";

    public override string Name => ScenarioName;

    public override string Description =>
        "a deliberate lost update in the scenario itself (read, racy access through the seam, write): must be found, or Coyote does not control the seam";

    public override IReadOnlyList<DesignKind> Designs => ScenarioHelpers.AllDesigns;

    public override ScenarioConfig Configure(DesignKind design) => new() { Cpus = 2, Zone = "8M" };

    public override ScenarioIteration Start(ScenarioRun run) => new Iteration(run);

    private sealed class Iteration(ScenarioRun run) : ScenarioIteration(run)
    {
        private int _counter; // deliberately unguarded

        public override void Setup()
        {
        }

        public override IReadOnlyList<CpuScript> Scripts() =>
        [
            new(0, "increments the counter", () => Increment(0)),
            new(1, "increments the counter", () => Increment(1)),
        ];

        public override string? CheckFinal() =>
            _counter == 2 ? null : $"[canary] lost update: two CPUs each incremented the counter once, it reads {_counter}";

        private void Increment(int cpu) => Run.Do(cpu, "counter++ (read, racy access, write)", () =>
        {
            var seen = _counter;
            Run.Execution.SharedRead(SharedLocation.Scenario(0), AccessSite.Scenario);
            _counter = seen + 1;
        });
    }
}
