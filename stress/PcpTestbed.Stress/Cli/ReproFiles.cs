using PcpTestbed.Coyote;
using PcpTestbed.Coyote.Repro;
using PcpTestbed.Designs;
using PcpTestbed.Execution.Recorder;
using PcpTestbed.Workloads.Kinds;
using PcpTestbed.Workloads.Run;

namespace PcpTestbed.Stress.Cli;

/// <summary>Writes a broken run's reproduction file from its flight recorder's window.</summary>
internal static class ReproFiles
{
    public static string Write(string directory, RunOptions o, FlightRecording recording)
    {
        var bugs = InjectedBugs.All.Where(b => (o.Bugs & b) != 0).Select(InjectedBugs.Name).ToArray();
        var facts = new ReproBuilder.RunFacts(Designs.Designs.Name(o.Design), bugs, WorkloadKinds.Name(o.Workload), o.Seed,
            recording.Windows.Count, o.ZoneDescription, HighatomicVariants.Name(o.Highatomic), o.Lockdep,
            o.Faults.HoldDelays is { IrqNs: > 0 } d ? new ReproInterrupts(d.IrqSites?.Names, d.IrqPercent, d.IrqNs) : null);
        var file = ReproBuilder.Build(facts, recording.Windows, recording.Lost, recording.EntriesPerCpu, recording.Violation, recording.ViolationPfn, recording.Holdings, recording.Snapshot);
        var name = $"{facts.Design}.{facts.Workload}.{(bugs.Length == 0 ? "no-bugs" : string.Join('+', bugs))}.seed{o.Seed}.{DateTime.UtcNow:yyyyMMdd-HHmmss-fff}.repro.json.gz";
        var path = Path.Combine(directory, name);
        file.Save(path);
        return path;
    }
}
