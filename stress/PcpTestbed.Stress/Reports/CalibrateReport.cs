using System.Text.Json;
using PcpTestbed.Execution.Virtual.Calibration;

namespace PcpTestbed.Stress.Reports;

/// <summary>The `calibrate` verb's JSON: the machine, every loop timed, what was kept, and the cost model made of it (the --out file's content).</summary>
public sealed record CalibrateReport(
    string Host,
    int Rounds,
    IReadOnlyList<CalibrationMeasurement> Measurements,
    IReadOnlyList<string> Notes,
    JsonElement CostModel);
