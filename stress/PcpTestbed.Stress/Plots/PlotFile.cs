using ScottPlot;
using SkiaSharp;

namespace PcpTestbed.Stress.Plots;

/// <summary>Lays ScottPlot panels out in a grid and writes them as one PNG or SVG (by the file's extension).</summary>
public static class PlotFile
{
    public static void Save(string path, IReadOnlyList<Plot> panels, int columns, int panelWidth, int panelHeight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(panels.Count, 1);
        var rows = (panels.Count + columns - 1) / columns;
        var width = Math.Min(columns, panels.Count) * panelWidth;
        var height = rows * panelHeight;
        var svg = Path.GetExtension(path).Equals(".svg", StringComparison.OrdinalIgnoreCase);
        if (svg)
        {
            using var stream = File.Create(path);

            // The SVG canvas writes its document when disposed, before the stream closes.
            using (var canvas = SKSvgCanvas.Create(SKRect.Create(width, height), stream))
            {
                Draw(canvas, panels, columns, panelWidth, panelHeight);
            }

            return;
        }

        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul))
                            ?? throw new InvalidOperationException($"SkiaSharp could not create a {width}x{height} surface");
        Draw(surface.Canvas, panels, columns, panelWidth, panelHeight);
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        data.SaveTo(file);
    }

    private static void Draw(SKCanvas canvas, IReadOnlyList<Plot> panels, int columns, int panelWidth, int panelHeight)
    {
        canvas.Clear(SKColors.White);
        for (var i = 0; i < panels.Count; i++)
        {
            var left = (i % columns) * panelWidth;
            var top = (i / columns) * panelHeight;
            // Each panel draws in its own clipped, translated space: a plot fills its whole canvas background.
            canvas.Save();
            canvas.ClipRect(SKRect.Create(left, top, panelWidth, panelHeight));
            canvas.Translate(left, top);
            panels[i].Render(canvas, new PixelRect(0, panelWidth, panelHeight, 0));
            canvas.Restore();
        }
    }
}
