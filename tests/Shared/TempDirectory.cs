namespace PcpTestbed.Tests.Support;

/// <summary>
/// A folder of the temp directory for a test's files, deleted with everything in it: a new one per test, when disposed, or
/// the test process's (<see cref="Process"/>), when the process exits. Every file the tests write goes into one, so no run
/// leaves files behind (without the deletion each whole-suite run of the stress tests left hundreds of files, 3 GB by
/// 2026-12-07). One source, compiled into each test project that writes files (linked from its project file): each
/// assembly's folders sit under its own name.
/// </summary>
internal sealed class TempDirectory : IDisposable
{
    private static readonly string Parent =
        System.IO.Path.Combine(System.IO.Path.GetTempPath(), "pcptestbed-tests", typeof(TempDirectory).Assembly.GetName().Name!);

    private static readonly Lazy<TempDirectory> ThisProcess = new(ForThisProcess);

    /// <summary>A new, empty folder.</summary>
    public TempDirectory()
        : this(Guid.NewGuid().ToString("N"))
    {
    }

    private TempDirectory(string name)
    {
        Path = System.IO.Path.Combine(Parent, name);
        Directory.CreateDirectory(Path);
    }

    /// <summary>
    /// The test process's folder (its id for a name), created at the first use (some tests name it as a folder that exists)
    /// and deleted when the process exits: for the files a test leaves for another to read (shared explorations' traces)
    /// and those of the runs a test starts.
    /// </summary>
    public static TempDirectory Process => ThisProcess.Value;

    public string Path { get; }

    /// <summary>A fresh file name in the folder, ending in <paramref name="suffix"/>; nothing is written.</summary>
    public string NewFile(string suffix) => System.IO.Path.Combine(Path, $"{Guid.NewGuid():N}{suffix}");

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }

    private static TempDirectory ForThisProcess()
    {
        var directory = new TempDirectory(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                directory.Dispose();
            }
            catch (IOException)
            {
                // A file still open at exit (a child process still writing there): it stays, and the next run's folder is another.
            }
        };
        return directory;
    }
}
