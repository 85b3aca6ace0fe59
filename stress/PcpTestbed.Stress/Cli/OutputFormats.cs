namespace PcpTestbed.Stress.Cli;

public static class OutputFormats
{
    public const string Names = "table, lock_stat";

    public static bool TryParse(string text, out OutputFormat format, out string problem)
    {
        problem = $"expected one of {Names}";
        switch (text.Trim().ToLowerInvariant())
        {
            case "table":
                format = OutputFormat.Table;
                return true;
            case "lock_stat" or "lock-stat" or "lockstat":
                format = OutputFormat.LockStat;
                return true;
            default:
                format = default;
                return false;
        }
    }
}
