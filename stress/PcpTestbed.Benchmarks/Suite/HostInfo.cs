using System.Globalization;

namespace PcpTestbed.Benchmarks.Suite;

/// <summary>What a results table must say about the machine: the CPU, the cores, and the host's load when measured.</summary>
public static class HostInfo
{
    /// <summary>/proc/loadavg's 1-, 5- and 15-minute load averages, or "n/a" off Linux.</summary>
    public static string LoadAverage()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return $"{parts[0]} / {parts[1]} / {parts[2]}";
        }
        catch (IOException)
        {
            return "n/a";
        }
        catch (UnauthorizedAccessException)
        {
            return "n/a";
        }
    }

    /// <summary>The 1-minute load average, or NaN.</summary>
    public static double Load1()
    {
        var text = LoadAverage();
        return double.TryParse(text.Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN;
    }

    public static string Machine()
    {
        var model = "unknown CPU";
        try
        {
            model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? model;
        }
        catch (IOException)
        {
        }

        return $"{model}, {Environment.ProcessorCount} cores, .NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}";
    }

    public static string Now() => DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
