namespace PcpTestbed.Coyote;

/// <summary>
/// An iteration's recorded steps and the operations they name (<see cref="StepRecord.OpIndex"/> indexes <see cref="Ops"/>),
/// copied out of its <see cref="IterationState"/>: a reproduction's setup log, kept so that an iteration whose setup restores
/// the state instead of running it records the same steps (a trace's steps are compared step by step on replay). The arrays
/// are not written once saved: the iterations that restore the log share them.
/// </summary>
internal sealed record StepLog(StepRecord[] Steps, string[] Ops);
