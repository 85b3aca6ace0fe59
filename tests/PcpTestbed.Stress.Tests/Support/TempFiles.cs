namespace PcpTestbed.Stress.Tests.Support;

/// <summary>
/// Fresh file names under the test process's folder of the temp directory, deleted with everything in it when the process
/// exits (the runs these tests start write reproduction files, traces and JSON there: without the deletion each whole-suite
/// run left hundreds of files, 3 GB by 2026-12-07).
/// </summary>
public static class TempFiles
{
    public static readonly string Folder = Path.Combine(Path.GetTempPath(), "pcptestbed-stress-tests", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The folder exists from the first use on (some tests name it as a folder that exists).</summary>
    static TempFiles()
    {
        Directory.CreateDirectory(Folder);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Delete();
    }

    public static string New(string extension) => Path.Combine(Folder, $"{Guid.NewGuid():N}{extension}");

    private static void Delete()
    {
        try
        {
            if (Directory.Exists(Folder))
            {
                Directory.Delete(Folder, recursive: true);
            }
        }
        catch (IOException)
        {
            // A child process still writing there at exit: its files stay, the next run's folder is another.
        }
    }
}
