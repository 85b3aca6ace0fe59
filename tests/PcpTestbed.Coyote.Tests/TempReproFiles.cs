using PcpTestbed.Coyote.Repro;

namespace PcpTestbed.Coyote.Tests;

/// <summary>Reproduction files saved into a test's <see cref="TempDirectory"/>.</summary>
internal static class TempReproFiles
{
    /// <summary>Saves <paramref name="file"/> as a new reproduction file in <paramref name="temp"/>; returns its path.</summary>
    public static string Save(this TempDirectory temp, ReproFile file)
    {
        ArgumentNullException.ThrowIfNull(temp);
        ArgumentNullException.ThrowIfNull(file);
        var path = temp.NewFile(".repro.json.gz");
        file.Save(path);
        return path;
    }
}
