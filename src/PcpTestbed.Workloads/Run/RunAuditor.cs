using PcpTestbed.Designs;

namespace PcpTestbed.Workloads.Run;

/// <summary>
/// A run's full audits, at quiescent points: the allocator's own audit plus the census (pages allocated but held by
/// nobody are lost). Both engines use it; called by the run's coordinator only.
/// </summary>
internal sealed class RunAuditor(IPageAllocator allocator, long background, Func<long> held, Func<TimeSpan> elapsed, Action<AuditRecord>? onAudit,
    Execution.Recorder.FlightRecorder? flight = null)
{
    public const int KeptViolations = 20;

    public List<AuditRecord> Records { get; } = [];

    public int Count => Records.Count;

    public long Violations => Records.Sum(a => a.ViolationCount);

    /// <summary>The two snapshots checkpoints take in turn: the one the recorder keeps is never written while it keeps it.</summary>
    private readonly Model.Layout.AllocatorSnapshot?[] _snapshots = new Model.Layout.AllocatorSnapshot?[2];

    /// <summary>
    /// With the flight recorder on, every CPU parked: the start of a later violation's window, with the allocator's exact state
    /// (a copy of its page and block arrays and PCPs; README, "Reproduction files", for its cost), from which the recorder
    /// derives what the zone held when a run breaks (no walk of the page array here).
    /// </summary>
    public void Checkpoint()
    {
        if (flight == null || flight.IsCut)
        {
            return;
        }

        var slot = ReferenceEquals(flight.Snapshot, _snapshots[0]) && _snapshots[0] != null ? 1 : 0;
        _snapshots[slot] = allocator.SaveSnapshot(_snapshots[slot]);
        flight.Checkpoint(_snapshots[slot]!, allocator.Zone.StartPfn);
    }

    public AuditRecord Audit()
    {
        var report = allocator.Audit();
        var h = held();
        var lost = report.Census.AllocatedPages - background - h;
        var violations = report.Violations.Take(KeptViolations).Select(v => v.ToString()).ToList();
        if (lost != 0)
        {
            violations.Insert(0, $"[§7.1 single-state] {lost} pages allocated but held by nobody (lost) or counted twice");
        }

        // A clean audit, every CPU parked, is the start of a later violation's window, with the allocator's snapshot (a copy
        // of its arrays, only when the recorder runs); the first violation ends it.
        if (violations.Count == 0)
        {
            Checkpoint();
        }
        else
        {
            // The pages-lost line, first when there is one, names no page.
            flight?.Cut(violations[0], lost != 0 ? null : report.Violations[0].PfnOrNull);
        }

        var record = new AuditRecord(Records.Count, elapsed(), report.Census, h, lost, report.ViolationCount, violations);
        Records.Add(record);
        onAudit?.Invoke(record);
        return record;
    }
}
