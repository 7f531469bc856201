using System.Globalization;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Display;

public static partial class Images
{
    /// <summary>
    /// A grid of images decoded from a grid of two-dimensional values (a latent manifold), drawn on axes: image
    /// <c>r·xValues.Length + c</c> sits in row r and column c, each column is ticked with its x value, each row with its
    /// y value (rows from top to bottom as <paramref name="yValues"/> lists them), and the axes are titled.
    /// </summary>
    /// <param name="images">The batch [N,C,H,W] with N = xValues.Length · yValues.Length, row-major.</param>
    /// <param name="xValues">The value of each column, left to right.</param>
    /// <param name="yValues">The value of each row, top to bottom.</param>
    /// <param name="xTitle">Title under the x axis, e.g. "z₁".</param>
    /// <param name="yTitle">Title left of the y axis, e.g. "z₂".</param>
    /// <param name="scale">Integer upscale of the images (2 shows a 28-pixel image at 56 pixels).</param>
    /// <param name="format">Number format of the tick labels.</param>
    public static Picture GridOnAxes(Tensor images, IReadOnlyList<double> xValues, IReadOnlyList<double> yValues,
        string xTitle, string yTitle, PixelRange range = PixelRange.ZeroOne, int padding = 2, int scale = 2, string format = "F2")
    {
        ArgumentNullException.ThrowIfNull(xValues);
        ArgumentNullException.ThrowIfNull(yValues);
        if (xValues.Count == 0 || yValues.Count == 0)
            throw new ArgumentException("GridOnAxes: give at least one x value and one y value.", xValues.Count == 0 ? nameof(xValues) : nameof(yValues));
        if (scale < 1) throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be 1 or more.");
        var batch = ImageBatch.From(images, nameof(images));
        if (batch.N != xValues.Count * yValues.Count)
            throw new ArgumentException($"GridOnAxes: {batch.N} images for {xValues.Count} columns × {yValues.Count} rows " +
                $"({xValues.Count * yValues.Count} cells); give one image per cell, row by row.", nameof(images));
        var grid = Layout(batch, Enumerable.Range(0, batch.N).Select(i => (int?)i).ToList(), xValues.Count, padding, 0f, range).Upscale(scale);
        int cellW = (batch.W + padding) * scale, cellH = (batch.H + padding) * scale, pad = padding * scale;

        using var font = Fonts.Paint(11);
        using var titleFont = Fonts.Paint(13);
        string Label(double v) => (Math.Abs(v) < 5e-13 ? 0 : v).ToString(format, CultureInfo.InvariantCulture);
        var xLabels = xValues.Select(Label).ToArray();
        var yLabels = yValues.Select(Label).ToArray();
        // Every column is ticked when its label fits its cell; otherwise every second, third, … column.
        float widest = xLabels.Max(l => font.MeasureText(l)) + 6;
        int every = Math.Max(1, (int)Math.Ceiling(widest / cellW));
        int left = 8 + 20 + (int)Math.Ceiling(yLabels.Max(l => font.MeasureText(l))) + 8, top = 8, bottom = 22 + 20;
        int right = (int)Math.Ceiling(widest / 2) + 4;
        int width = left + grid.Width + right, height = top + grid.Height + bottom;

        using var bmp = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(bmp);
        canvas.Clear(SKColors.White);
        using (var g = grid.ToBitmap()) canvas.DrawBitmap(g, left, top);
        using var line = new SKPaint { Color = SKColors.Black, StrokeWidth = 1, IsStroke = true };
        for (int c = 0; c < xLabels.Length; c += every)
        {
            float px = left + pad + c * cellW + (cellW - pad) / 2f;
            canvas.DrawLine(px, top + grid.Height, px, top + grid.Height + 4, line);
            canvas.DrawText(xLabels[c], px - font.MeasureText(xLabels[c]) / 2, top + grid.Height + 16, font);
        }
        for (int r = 0; r < yLabels.Length; r++)
        {
            float py = top + pad + r * cellH + (cellH - pad) / 2f;
            canvas.DrawLine(left - 4, py, left, py, line);
            canvas.DrawText(yLabels[r], left - 6 - font.MeasureText(yLabels[r]), py + font.TextSize / 3f, font);
        }
        canvas.DrawText(xTitle, left + grid.Width / 2f - titleFont.MeasureText(xTitle) / 2, height - 6, titleFont);
        canvas.Save();
        float cy = top + grid.Height / 2f + titleFont.MeasureText(yTitle) / 2;
        canvas.RotateDegrees(-90, 20, cy);
        canvas.DrawText(yTitle, 20, cy, titleFont);
        canvas.Restore();
        canvas.Flush();
        return Raster.Encode(bmp);
    }
}
