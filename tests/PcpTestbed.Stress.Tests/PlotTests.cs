using System.Xml.Linq;
using PcpTestbed.Stress.Tests.Support;
using SkiaSharp;

namespace PcpTestbed.Stress.Tests;

/// <summary>--plot writes a real picture: a PNG ScottPlot drew (not a blank canvas), or an SVG document.</summary>
public class PlotTests
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public void Compare_plot_is_a_png_with_drawn_histograms()
    {
        var path = TempDirectory.Process.NewFile(".png");
        var outcome = Shell.Run("compare", "--ops", "3000", "--cpus", "3", "--zone-size", "64M", "--hold-sample", "1", "--plot", path, "--quiet");
        Assert.True(outcome.Exit == 0, outcome.ToString());
        AssertDrawnPng(path, minWidth: 1000, minHeight: 800);
    }

    [Fact]
    public void Sweep_plot_is_a_png_of_three_panels_side_by_side()
    {
        var path = TempDirectory.Process.NewFile(".png");
        var outcome = Shell.Run("sweep", "--cpus", "1,2", "--ops", "2000", "--zone-size", "64M", "--plot", path, "--quiet");
        Assert.True(outcome.Exit == 0, outcome.ToString());
        var (width, height) = AssertDrawnPng(path, minWidth: 1500, minHeight: 400);
        Assert.True(width > 3 * height, $"{width}x{height}: expected three panels in a row");
    }

    [Theory]
    [InlineData("run")]
    [InlineData("sweep")]
    public void An_svg_plot_is_an_svg_document_with_text_and_paths(string verb)
    {
        var path = TempDirectory.Process.NewFile(".svg");
        string[] args = verb == "sweep"
            ? ["sweep", "--cpus", "1,2", "--ops", "1000", "--zone-size", "64M", "--plot", path, "--quiet"]
            : ["run", "--ops", "2000", "--zone-size", "64M", "--plot", path, "--quiet"];
        var outcome = Shell.Run(args);
        Assert.True(outcome.Exit == 0, outcome.ToString());
        var doc = XDocument.Load(path);
        XNamespace svg = "http://www.w3.org/2000/svg";
        Assert.Equal(svg + "svg", doc.Root!.Name);
        Assert.True(doc.Descendants(svg + "path").Count() > 10, "expected drawn lines");
        Assert.Contains(doc.Descendants(svg + "text"), t => t.Value.Length > 0);
    }

    [Fact]
    public void Compare_plot_free_is_a_png_with_a_panel_per_design()
    {
        var path = TempDirectory.Process.NewFile(".png");
        var outcome = Shell.Run("compare", "--designs", "mainline,pageblock", "--workload", "cma", "--ops", "3000", "--cpus", "2", "--zone-size", "64M",
            "--sample-interval", "0.005", "--plot-free", path, "--quiet");
        Assert.True(outcome.Exit == 0, outcome.ToString());
        var (width, height) = AssertDrawnPng(path, minWidth: 1500, minHeight: 400);
        Assert.True(width > 1.5 * height, $"{width}x{height}: expected two panels side by side");
    }

    [Fact]
    public void Run_plot_free_as_svg_is_an_svg_document_with_text_and_paths()
    {
        var path = TempDirectory.Process.NewFile(".svg");
        var outcome = Shell.Run("run", "--ops", "2000", "--zone-size", "64M", "--plot-free", path, "--quiet");
        Assert.True(outcome.Exit == 0, outcome.ToString());
        var doc = XDocument.Load(path);
        XNamespace svg = "http://www.w3.org/2000/svg";
        Assert.Equal(svg + "svg", doc.Root!.Name);
        Assert.True(doc.Descendants(svg + "path").Count() > 10, "expected drawn lines");
        Assert.Contains(doc.Descendants(svg + "text"), t => t.Value.Contains("free pages", StringComparison.Ordinal));
    }

    private static (int Width, int Height) AssertDrawnPng(string path, int minWidth, int minHeight)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 20_000, $"{bytes.Length} bytes: too small for a drawn plot");
        Assert.Equal(PngSignature, bytes[..8]);
        using var bitmap = SKBitmap.Decode(bytes);
        Assert.NotNull(bitmap);
        Assert.True(bitmap.Width >= minWidth && bitmap.Height >= minHeight, $"{bitmap.Width}x{bitmap.Height}");

        // Lines, text and colours, not a blank or single-colour canvas.
        var colours = new HashSet<uint>();
        var notWhite = 0;
        for (var y = 0; y < bitmap.Height; y += 3)
        {
            for (var x = 0; x < bitmap.Width; x += 3)
            {
                var c = bitmap.GetPixel(x, y);
                colours.Add((uint)c);
                if (c.Red < 240 || c.Green < 240 || c.Blue < 240)
                {
                    notWhite++;
                }
            }
        }

        Assert.True(colours.Count > 20, $"{colours.Count} colours");
        Assert.True(notWhite > 1000, $"{notWhite} non-white samples");
        return (bitmap.Width, bitmap.Height);
    }
}
