using System.Diagnostics;
using PcpTestbed.Stress.Cli;
using Spectre.Console;

namespace PcpTestbed.Stress.Output;

/// <summary>
/// Progress of a series of tasks (runs, an exploration): on a terminal a live Spectre.Console bar per task with
/// time left; otherwise a plain line on the error stream about every second, so logs show a run is alive
/// without filling up. Updates come from the thread that runs the tasks (the runner's coordinator).
/// </summary>
public sealed class ProgressDisplay
{
    public static readonly TimeSpan PlainLinePeriod = TimeSpan.FromSeconds(1);

    private const double Resolution = 1000;

    private readonly StressConsole _io;
    private readonly bool _quiet;
    private readonly IReadOnlyList<string> _labels;
    private readonly Stopwatch _sinceLine = Stopwatch.StartNew();
    private readonly ProgressTask?[] _tasks;
    private bool _anyLine;

    private ProgressDisplay(StressConsole io, bool quiet, IReadOnlyList<string> labels)
    {
        _io = io;
        _quiet = quiet;
        _labels = labels;
        _tasks = new ProgressTask?[labels.Count];
    }

    /// <summary>Runs <paramref name="body"/> with a display of one task per label.</summary>
    public static T Run<T>(StressConsole io, bool quiet, IReadOnlyList<string> labels, Func<ProgressDisplay, T> body)
    {
        var display = new ProgressDisplay(io, quiet, labels);
        if (quiet || !io.LiveProgress)
        {
            return body(display);
        }

        T result = default!;
        io.Out.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                for (var i = 0; i < labels.Count; i++)
                {
                    display._tasks[i] = ctx.AddTask(Markup.Escape(labels[i]), autoStart: false, maxValue: Resolution);
                }

                result = body(display);
            });
        return result;
    }

    /// <summary>Task <paramref name="task"/> is <paramref name="fraction"/> done; <paramref name="detail"/> says what that means.</summary>
    public void Update(int task, double fraction, string detail, TimeSpan? left = null)
    {
        if (_quiet)
        {
            return;
        }

        fraction = double.IsFinite(fraction) ? Math.Clamp(fraction, 0, 1) : 0;
        if (_tasks[task] is { } t)
        {
            if (!t.IsStarted)
            {
                t.StartTask();
            }

            t.Description = Markup.Escape($"{_labels[task]}  {detail}");
            t.Value = fraction * Resolution;
            return;
        }

        if (_anyLine && _sinceLine.Elapsed < PlainLinePeriod)
        {
            return;
        }

        var leftText = left is { } l ? $", about {Math.Round(l.TotalSeconds):0} s left" : "";
        _io.Error.WriteLine($"progress: {_labels[task]}: {detail}{leftText}");
        _anyLine = true;
        _sinceLine.Restart();
    }

    /// <summary>Task <paramref name="task"/> finished.</summary>
    public void Complete(int task, string detail)
    {
        if (_quiet)
        {
            return;
        }

        if (_tasks[task] is { } t)
        {
            t.Description = Markup.Escape($"{_labels[task]}  {detail}");
            t.Value = Resolution;
            t.StopTask();
            return;
        }

        _io.Error.WriteLine($"progress: {_labels[task]}: {detail}");
        _sinceLine.Restart();
    }

    /// <summary>A line of results printed while the tasks run (above the bar on a terminal).</summary>
    public void Line(string text) => _io.Out.WriteLine(text);
}
