namespace PcpTestbed.Execution.Virtual.Calibration;

/// <summary>What <see cref="CostCalibrator"/> measured and the cost model it made of it.</summary>
/// <param name="Host">The machine, as a cost-model source names it.</param>
/// <param name="Measurements">Every loop timed, fastest run per operation.</param>
/// <param name="Notes">What could not be measured and was kept from the base model.</param>
public sealed record CalibrationResult(string Host, CostModel Model, IReadOnlyList<CalibrationMeasurement> Measurements, IReadOnlyList<string> Notes);
