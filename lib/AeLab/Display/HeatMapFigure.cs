using System.Globalization;
using SkiaSharp;

namespace AeLab.Display;

/// <summary>Frames an upscaled heat map with axes (ticks, titles) and a colour bar.</summary>
static class HeatMapFigure
{
    /// <summary>The map's layout: panels of w×h cells, <paramref name="Gap"/> cells apart, each cell Scale pixels.</summary>
    public sealed record Axes(int Panels, int W, int H, int Gap, int Scale, string? XTitle, string? YTitle,
        (double First, double Last)? X, (double First, double Last)? Y)
    {
        /// <summary>A title above each panel, or null.</summary>
        public IReadOnlyList<string>? Titles { get; init; }
    }

    public static Picture Draw(Raster map, Axes a, (float Lo, float Hi)? bar)
    {
        using var font = Fonts.Paint(11);
        var yTicks = Ticks(a.H, a.Y);
        var xTicks = Ticks(a.W, a.X);
        float yTickWidth = yTicks.Max(t => font.MeasureText(t.Label));
        int left = 8 + (a.YTitle is null ? 0 : 18) + (int)Math.Ceiling(yTickWidth) + 6;
        int top = a.Titles is null ? 8 : 24, bottom = 22 + (a.XTitle is null ? 0 : 16);
        var barTicks = bar is { } b ? BarTicks(b.Lo, b.Hi) : [];
        int barWidth = bar is null ? 0 : 10 + 14 + 4 + (int)Math.Ceiling(barTicks.Max(t => font.MeasureText(t.Label)));
        // A panel title wider than its panel widens the picture on both sides, so that nothing is cut off.
        int overhang = 0;
        if (a.Titles is { } t)
        {
            using var tf = Fonts.Paint(12);
            overhang = (int)Math.Ceiling(Math.Max(0, t.Max(x => tf.MeasureText(x)) - a.W * a.Scale) / 2);
            left = Math.Max(left, overhang + 4);
        }
        int width = left + map.Width + Math.Max(barWidth, overhang) + 8, height = top + map.Height + bottom;

        using var bmp = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(bmp);
        canvas.Clear(SKColors.White);
        using (var m = map.ToBitmap()) canvas.DrawBitmap(m, left, top);
        using var line = new SKPaint { Color = SKColors.Black, StrokeWidth = 1, IsStroke = true };

        // Ticks point at cell centres; x ticks under every panel, y ticks left of the first.
        foreach (var (cell, label) in yTicks)
        {
            float py = top + ((float)cell + 0.5f) * a.Scale;
            canvas.DrawLine(left - 4, py, left, py, line);
            canvas.DrawText(label, left - 6 - font.MeasureText(label), py + font.TextSize / 3f, font);
        }
        for (int p = 0; p < a.Panels; p++)
        {
            float x0 = left + p * (a.W + a.Gap) * a.Scale;
            foreach (var (cell, label) in xTicks)
            {
                float px = x0 + ((float)cell + 0.5f) * a.Scale;
                canvas.DrawLine(px, top + map.Height, px, top + map.Height + 4, line);
                canvas.DrawText(label, px - font.MeasureText(label) / 2, top + map.Height + 16, font);
            }
        }
        using var titleFont = Fonts.Paint(12);
        if (a.Titles is { } titles)
            for (int p = 0; p < a.Panels; p++)
            {
                float centre = left + (p * (a.W + a.Gap) + a.W / 2f) * a.Scale;
                canvas.DrawText(titles[p], centre - titleFont.MeasureText(titles[p]) / 2, top - 7, titleFont);
            }
        if (a.XTitle is { } xt) canvas.DrawText(xt, left + map.Width / 2f - titleFont.MeasureText(xt) / 2, height - 6, titleFont);
        if (a.YTitle is { } yt)
        {
            canvas.Save();
            float cy = top + map.Height / 2f + titleFont.MeasureText(yt) / 2;
            canvas.RotateDegrees(-90, 18, cy);
            canvas.DrawText(yt, 18, cy, titleFont);
            canvas.Restore();
        }

        if (bar is not null)
        {
            int barX = left + map.Width + 10, barH = map.Height;
            using var fill = new SKPaint { IsAntialias = false };
            for (var y = 0; y < barH; y++)
            {
                var (r, g, bl) = ColorMap.Viridis(1.0 - (double)y / Math.Max(1, barH - 1)); // high values on top
                fill.Color = new SKColor(r, g, bl);
                canvas.DrawRect(barX, top + y, 14, 1, fill);
            }
            canvas.DrawRect(barX - 0.5f, top - 0.5f, 14, barH, line);
            foreach (var (fraction, label) in barTicks)
            {
                var y = top + (barH - 1) * (1f - (float)fraction);
                canvas.DrawLine(barX + 14, y, barX + 17, y, line);
                canvas.DrawText(label, barX + 19, y + font.TextSize / 3f, font);
            }
        }
        canvas.Flush();
        return Raster.Encode(bmp);
    }

    /// <summary>The colour bar's ticks: round values (1, 2 or 5 × 10^k apart, three to five of them) inside [lo, hi], each with
    /// its place on the bar (0 at lo, 1 at hi) and a label with as many decimals as the step needs.</summary>
    internal static List<(double Fraction, string Label)> BarTicks(double lo, double hi)
    {
        if (!(hi - lo > 1e-12 * Math.Max(1, Math.Abs(hi))))
            return [(0.5, lo.ToString("G3", CultureInfo.InvariantCulture))];
        double step = PlotImage.NiceStep((hi - lo) / 5);
        int decimals = Math.Max(0, -(int)Math.Floor(Math.Log10(step) + 1e-9));
        var ticks = new List<(double, string)>();
        for (double t = Math.Ceiling(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step)
            ticks.Add(((t - lo) / (hi - lo), (Math.Abs(t) < step * 1e-9 ? 0 : t).ToString("F" + decimals, CultureInfo.InvariantCulture)));
        return ticks;
    }

    /// <summary>
    /// About five ticks at "nice" steps (1, 2 or 5 × 10^k): cell indices, or, when the axis has a value range, values
    /// placed where they fall between the first and the last cell.
    /// </summary>
    static List<(double Cell, string Label)> Ticks(int cells, (double First, double Last)? range)
    {
        var ticks = new List<(double, string)>();
        if (range is not { } r || cells < 2 || r.First == r.Last)
        {
            int step = (int)Math.Max(1, PlotImage.NiceStep(Math.Max(1, (cells - 1) / 4.0)));
            for (int i = 0; i < cells; i += step) ticks.Add((i, i.ToString(CultureInfo.InvariantCulture)));
            return ticks;
        }
        double lo = Math.Min(r.First, r.Last), hi = Math.Max(r.First, r.Last), vstep = PlotImage.NiceStep((hi - lo) / 4.0);
        for (double v = Math.Ceiling(lo / vstep - 1e-9) * vstep; v <= hi + vstep * 1e-9; v += vstep)
        {
            var value = Math.Abs(v) < vstep * 1e-9 ? 0 : v;
            ticks.Add(((value - r.First) / (r.Last - r.First) * (cells - 1), value.ToString("G3", CultureInfo.InvariantCulture)));
        }
        return ticks;
    }
}
