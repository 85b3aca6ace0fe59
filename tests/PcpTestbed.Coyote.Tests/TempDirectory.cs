using PcpTestbed.Coyote.Repro;

namespace PcpTestbed.Coyote.Tests;

/// <summary>
/// A folder of the temp directory for a test's files, deleted with everything in it when disposed: every file these tests
/// write goes into one (the repro tests' each into their own, the traces into the test process's, <see cref="ForThisProcess"/>),
/// so no run leaves files behind.
/// </summary>
internal sealed class TempDirectory : IDisposable
{
    private static readonly string Parent = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "pcptestbed-coyote-tests");

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

    public string Path { get; }

    /// <summary>
    /// The test process's folder (its id for a name), deleted when the process exits: for the files a test leaves for another
    /// to read (<see cref="ControlledTest"/>'s traces, which lazily shared explorations write).
    /// </summary>
    public static TempDirectory ForThisProcess()
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
                // A file still open at exit: it stays, and the next run's folder is another (as the stress tests' TempFiles).
            }
        };
        return directory;
    }

    /// <summary>A fresh file name in the folder, ending in <paramref name="suffix"/>; nothing is written.</summary>
    public string NewFile(string suffix) => System.IO.Path.Combine(Path, $"{Guid.NewGuid():N}{suffix}");

    /// <summary>Saves <paramref name="file"/> as a new reproduction file in the folder; returns its path.</summary>
    public string Save(ReproFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var path = NewFile(".repro.json.gz");
        file.Save(path);
        return path;
    }

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
