using SkiaSharp;

namespace AeLab.Display;

/// <summary>One series of a chart as the library drew it: points, and whether they are joined and/or marked.</summary>
internal sealed record PlotSeries(string Name, double[] X, double[] Y, bool Lines, bool Markers, string? Color = null)
{
    /// <summary>Draw bars at X = 1, 2, … named by these categories (instead of points).</summary>
    public string[]? Bars { get; init; }
}

/// <summary>
/// A static PNG of a line or scatter chart, drawn with SkiaSharp in plotly's default colours: the picture viewers
/// that run no script (GitHub, nbconvert, an offline .ipynb) show instead of the interactive plot.
/// </summary>
internal static class PlotImage
{
    static readonly string[] Colours =
        ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    public static Picture Render(IReadOnlyList<PlotSeries> series, string title, string xTitle, string yTitle, bool logY,
        int width = 720, int height = 420, bool logX = false)
    {
        var bars = series.FirstOrDefault(p => p.Bars is not null)?.Bars;
        float left = 70, right = bars is null ? LegendWidth(series) : 30, top = title.Length > 0 ? 40 : 16, bottom = 52;
        var plot = new SKRect(left, top, width - right, height - bottom);
        double Ty(double y) => logY ? Math.Log10(y) : y;
        double Tx(double x) => logX ? Math.Log10(x) : x;
        var xs = series.SelectMany(s => s.X).Select(Tx).Where(double.IsFinite).ToArray();
        var ys = series.SelectMany(s => s.Y).Select(Ty).Where(double.IsFinite).ToArray();
        var (x0, x1, xTicks) = bars is not null ? (0.4, bars.Length + 0.6, Enumerable.Range(1, bars.Length).Select(i => (double)i).ToArray())
            : logX ? LogAxis(xs) : Axis(xs);
        var (y0, y1, yTicks) = logY ? LogAxis(ys) : Axis(bars is null ? ys : ys.Append(0).ToArray());
        float Px(double x) => plot.Left + (float)((Tx(x) - x0) / (x1 - x0)) * plot.Width;
        float PxTick(double t) => plot.Left + (float)((t - x0) / (x1 - x0)) * plot.Width;   // ticks are in axis units
        float Py(double y) => plot.Bottom - (float)((Ty(y) - y0) / (y1 - y0)) * plot.Height;

        using var bitmap = new SKBitmap(width, height);
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var grid = new SKPaint { Color = new SKColor(0xE5, 0xEC, 0xF6), StrokeWidth = 1 };
        using var text = Fonts.Paint(12);
        using var small = Fonts.Paint(11);
        canvas.DrawRect(plot, new SKPaint { Color = new SKColor(0xF5, 0xF7, 0xFB) });
        foreach (var t in xTicks)
        {
            canvas.DrawLine(PxTick(t), plot.Top, PxTick(t), plot.Bottom, grid);
            var label = bars is not null ? bars[(int)t - 1] : logX ? Label(Math.Pow(10, t)) : Label(t);
            // Bar names shrink to fit their slot rather than run into the next one.
            using var tick = Fonts.Paint(11);
            float slot = bars is null ? float.MaxValue : plot.Width / bars.Length - 6;
            while (tick.MeasureText(label) > slot && tick.TextSize > 7) tick.TextSize -= 0.5f;
            canvas.DrawText(label, PxTick(t) - tick.MeasureText(label) / 2, plot.Bottom + 16, tick);
        }
        foreach (var t in yTicks)
        {
            float py = plot.Bottom - (float)((t - y0) / (y1 - y0)) * plot.Height;
            canvas.DrawLine(plot.Left, py, plot.Right, py, grid);
            var label = logY ? Label(Math.Pow(10, t)) : Label(t);
            canvas.DrawText(label, plot.Left - 6 - small.MeasureText(label), py + 4, small);
        }
        if (title.Length > 0) canvas.DrawText(title, plot.Left, 24, Fonts.Paint(15));
        canvas.DrawText(xTitle, plot.MidX - text.MeasureText(xTitle) / 2, height - 14, text);
        canvas.Save();
        canvas.RotateDegrees(-90, 16, plot.MidY + text.MeasureText(yTitle) / 2);
        canvas.DrawText(yTitle, 16, plot.MidY + text.MeasureText(yTitle) / 2, text);
        canvas.Restore();

        canvas.Save();
        canvas.ClipRect(plot);
        for (int i = 0; i < series.Count; i++)
        {
            var s = series[i];
            var colour = SKColor.Parse(s.Color ?? Colours[i % Colours.Length]);
            using var stroke = new SKPaint { Color = colour, StrokeWidth = 2, IsAntialias = true, Style = SKPaintStyle.Stroke };
            using var fill = new SKPaint { Color = s.Lines || s.Bars is not null ? colour : colour.WithAlpha(180), IsAntialias = true };
            var points = Enumerable.Range(0, s.X.Length).Where(k => double.IsFinite(Tx(s.X[k])) && double.IsFinite(Ty(s.Y[k])))
                .Select(k => new SKPoint(Px(s.X[k]), Py(s.Y[k]))).ToArray();
            if (s.Bars is not null)
            {
                float baseY = logY ? plot.Bottom : Math.Min(plot.Bottom, Py(0));
                float half = 0.3f * plot.Width / (float)(x1 - x0);
                for (int k = 0; k < s.X.Length; k++)
                {
                    if (!double.IsFinite(s.Y[k]) || !double.IsFinite(Ty(s.Y[k]))) continue;
                    float px = Px(s.X[k]), py = Py(s.Y[k]);
                    canvas.DrawRect(SKRect.Create(px - half, Math.Min(py, baseY), 2 * half, Math.Abs(baseY - py)), fill);
                    var value = s.Y[k].ToString("G4", System.Globalization.CultureInfo.InvariantCulture);
                    canvas.DrawText(value, px - small.MeasureText(value) / 2, Math.Max(plot.Top + 12, py - 4), small);
                }
                continue;
            }
            if (s.Lines && points.Length > 1)
            {
                using var path = new SKPath();
                path.AddPoly(points, close: false);
                canvas.DrawPath(path, stroke);
            }
            if (!s.Lines || s.Markers && points.Length <= 60)   // dense curves read better without dots
                foreach (var p in points) canvas.DrawCircle(p, s.Lines ? 3 : 2, fill);
        }
        canvas.Restore();

        float ly = plot.Top + 6;
        for (int i = 0; i < series.Count && bars is null && ly < height - 10; i++, ly += 18)   // bars name themselves
        {
            var colour = SKColor.Parse(series[i].Color ?? Colours[i % Colours.Length]);
            using var swatch = new SKPaint { Color = colour, StrokeWidth = 3, IsAntialias = true };
            canvas.DrawLine(plot.Right + 12, ly + 4, plot.Right + 30, ly + 4, swatch);
            canvas.DrawText(series[i].Name, plot.Right + 36, ly + 8, small);
        }
        return Raster.Encode(bitmap);
    }

    /// <summary>The right margin that holds the legend: its swatches and the longest series name in full (at least 170
    /// pixels, at most half the picture), so no name is cut off at the picture's edge.</summary>
    static float LegendWidth(IReadOnlyList<PlotSeries> series)
    {
        using var small = Fonts.Paint(11);
        float longest = series.Count == 0 ? 0 : series.Max(s => small.MeasureText(s.Name));
        return Math.Clamp(36 + longest + 10, 170, 360);
    }

    /// <summary>A range padded by 5 % and "nice" ticks (1, 2 or 5 × 10^k apart) across it.</summary>
    static (double From, double To, double[] Ticks) Axis(double[] values)
    {
        double lo = values.Length > 0 ? values.Min() : 0, hi = values.Length > 0 ? values.Max() : 1;
        if (hi - lo < 1e-12) { lo -= 0.5; hi += 0.5; }
        double pad = (hi - lo) * 0.05;
        lo -= pad; hi += pad;
        double step = NiceStep((hi - lo) / 6);
        var ticks = new List<double>();
        for (double t = Math.Ceiling(lo / step) * step; t <= hi; t += step) ticks.Add(Math.Abs(t) < step * 1e-9 ? 0 : t);
        return (lo, hi, ticks.ToArray());
    }

    /// <summary>A log axis over log10 values: ticks (also log10) at 1, 2 and 5 × 10^k, thinned to at most about eight, so
    /// the labels read 0.05, 0.1, 0.2, 0.5, 1, 2 rather than powers of ten at fractional exponents.</summary>
    internal static (double From, double To, double[] Ticks) LogAxis(double[] logValues)
    {
        double lo = logValues.Length > 0 ? logValues.Min() : 0, hi = logValues.Length > 0 ? logValues.Max() : 1;
        if (hi - lo < 1e-12) { lo -= 0.5; hi += 0.5; }
        double pad = (hi - lo) * 0.05;
        lo -= pad; hi += pad;
        var ticks = new List<double>();
        for (int k = (int)Math.Floor(lo) - 1; k <= (int)Math.Ceiling(hi); k++)
            foreach (var m in hi - lo > 4 ? new[] { 1.0 } : hi - lo > 2 ? new[] { 1.0, 3 } : new[] { 1.0, 2, 5 })
            {
                double t = k + Math.Log10(m);
                if (t >= lo && t <= hi) ticks.Add(t);
            }
        return (lo, hi, ticks.ToArray());
    }

    /// <summary>The smallest 1, 2 or 5 × 10^k at least <paramref name="raw"/> (up to rounding): a readable tick step.</summary>
    internal static double NiceStep(double raw)
    {
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        return new[] { 1.0, 2, 5, 10 }.Select(m => m * magnitude).First(s => s >= raw * (1 - 1e-9));
    }

    static string Label(double v) =>
        v == 0 ? "0" : Math.Abs(v) >= 1e5 || Math.Abs(v) < 1e-3 ? v.ToString("0.##e0") : v.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture);
}
