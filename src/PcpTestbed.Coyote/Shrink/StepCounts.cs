namespace PcpTestbed.Coyote.Shrink;

/// <summary>
/// A failing iteration's size, counted the same way for any engine's steps: the scripts' operations, their steps (setup's
/// left out: it runs alone), and preemptions (a step of another CPU while the CPU before could have gone on: it was not
/// waiting for a lock, and it had more steps to take or was inside an operation when the iteration failed).
/// </summary>
public readonly record struct StepCounts(int Operations, int Steps, int Preemptions)
{
    public static StepCounts Of(IReadOnlyList<TraceStep> steps, int setupSteps)
    {
        var script = steps.Skip(setupSteps).Where(s => s.Kind != "quiescent").ToArray();
        return new StepCounts(script.Count(s => s.Kind == "begin"), script.Length, PreemptionSteps(script).Count);
    }

    /// <summary>The indices into <paramref name="script"/> (the scripts' steps, quiescent points left out) of the steps that preempt.</summary>
    public static IReadOnlyList<int> PreemptionSteps(IReadOnlyList<TraceStep> script)
    {
        var lastOf = new Dictionary<int, int>();
        for (var i = 0; i < script.Count; i++)
        {
            lastOf[script[i].Cpu] = i;
        }

        var result = new List<int>();
        for (var i = 1; i < script.Count; i++)
        {
            var before = script[i - 1];
            if (script[i].Cpu != before.Cpu && before.Kind != "wait" && (lastOf[before.Cpu] > i || before.Kind != "end"))
            {
                result.Add(i);
            }
        }

        return result;
    }
}
