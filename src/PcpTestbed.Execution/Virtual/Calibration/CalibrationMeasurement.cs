namespace PcpTestbed.Execution.Virtual.Calibration;

/// <summary>One loop <see cref="CostCalibrator"/> timed: the fastest run, per operation, and what one operation is.</summary>
public sealed record CalibrationMeasurement(string Name, double Ns, string Operation);
