namespace PcpTestbed.Stress.Tests.Support;

/// <summary>Fresh file names under one folder of the temp directory.</summary>
public static class TempFiles
{
    public static readonly string Folder = Path.Combine(Path.GetTempPath(), "pcptestbed-stress-tests");

    public static string New(string extension)
    {
        Directory.CreateDirectory(Folder);
        return Path.Combine(Folder, $"{Guid.NewGuid():N}{extension}");
    }
}
