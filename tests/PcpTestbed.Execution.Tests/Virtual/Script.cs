using PcpTestbed.Execution.Cpus;
using PcpTestbed.Execution.Virtual;

namespace PcpTestbed.Execution.Tests.Virtual;

/// <summary>Steps written out per CPU: each CPU runs its steps in order, one per turn, and is finished after the last.</summary>
internal sealed class Script
{
    private readonly List<Action>[] _steps;
    private readonly int[] _next;

    public Script(int cpus)
    {
        _steps = [.. Enumerable.Range(0, cpus).Select(_ => new List<Action>())];
        _next = new int[cpus];
    }

    /// <summary>Adds a step to <paramref name="cpu"/>'s script.</summary>
    public Script On(int cpu, Action step)
    {
        _steps[cpu].Add(step);
        return this;
    }

    /// <summary>Runs every script to its end on <paramref name="machine"/>.</summary>
    public VirtualRunResult Run(VirtualMachine machine) => machine.Run(Step, RunLimit.UntilStopped);

    private bool Step(int cpu)
    {
        var steps = _steps[cpu];
        if (_next[cpu] < steps.Count)
        {
            steps[_next[cpu]++]();
        }

        return _next[cpu] < steps.Count;
    }
}
