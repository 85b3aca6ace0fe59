namespace PcpTestbed.Benchmarks.Suite;

/// <summary>
/// How the suite was started. Set once by <see cref="Program"/> before BenchmarkDotNet builds any config, and
/// read by the per-class configs, which pick their measured job or the dry one from it.
/// </summary>
public static class SuiteMode
{
    /// <summary>
    /// The dry run: every benchmark once, in process, no statistics. CI uses it to keep the suite compiling and
    /// running; its timings mean nothing.
    /// </summary>
    public static bool Dry { get; set; }
}
