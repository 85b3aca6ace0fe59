using PcpTestbed.Model.Proc;

namespace PcpTestbed.Model.Tests.Proc;

/// <summary>
/// A fact that runs only on a Linux kernel whose /proc/zoneinfo and /proc/pagetypeinfo this user
/// can read and whose pageblocks are the 2 MiB the model has; elsewhere it is reported as skipped.
/// </summary>
public sealed class LiveProcFactAttribute : FactAttribute
{
    public LiveProcFactAttribute()
    {
        if (!ProcSource.LiveAvailable())
        {
            Skip = "no /proc/zoneinfo and /proc/pagetypeinfo here";
            return;
        }

        try
        {
            if (!File.ReadAllText(Path.Combine(ProcSource.LiveRoot, "pagetypeinfo")).StartsWith("Page block order: 9\n", StringComparison.Ordinal))
            {
                Skip = "this kernel's pageblocks are not 2 MiB of 4 KiB pages";
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Skip = "/proc/pagetypeinfo is not readable (root only): " + e.Message;
        }
    }
}
