namespace PcpTestbed.Stress.Cli;

/// <summary>Checks output paths before a run starts, so a long run does not end in "cannot write the file".</summary>
public static class OutputFiles
{
    /// <summary>Fails with a usage error unless <paramref name="path"/> can be created or overwritten; leaves no new file behind.</summary>
    public static void CheckWritable(string path, string option)
    {
        try
        {
            var full = Path.GetFullPath(path);
            if (Directory.Exists(full))
            {
                throw new UsageException($"{option} {Values.Show(path)}: is a folder, expected a file");
            }

            var dir = Path.GetDirectoryName(full);
            if (!string.IsNullOrEmpty(dir))
            {
                // As Json.Write does: a missing folder is made.
                Directory.CreateDirectory(dir);
            }

            var existed = File.Exists(full);
            using (new FileStream(full, FileMode.Append, FileAccess.Write))
            {
            }

            if (!existed)
            {
                File.Delete(full);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException or System.Security.SecurityException)
        {
            throw new UsageException($"{option} {Values.Show(path)}: cannot write the file: {e.Message}");
        }
    }

    /// <summary>A plot path given with <paramref name="option"/>: .png or .svg, writable.</summary>
    public static void CheckPlotPath(string path, string option = "--plot")
    {
        var ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext is not (".png" or ".svg"))
        {
            throw new UsageException($"{option} {Values.Show(path)}: expected a file name ending in .png or .svg");
        }

        CheckWritable(path, option);
    }
}
