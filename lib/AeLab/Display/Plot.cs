using XPlot.Plotly;

namespace AeLab.Display;

/// <summary>
/// An XPlot.Plotly chart that notebooks show inline. The HTML is a div plus a script calling
/// Plotly.newPlot (no require.js); when the page has no Plotly yet (VS Code) it loads plotly.js first.
/// </summary>
[TypeFormatterSource(typeof(DisplayFormatterSource), PreferredMimeTypes = [DisplayFormatterSource.Html, DisplayFormatterSource.Png, DisplayFormatterSource.Text])]
public sealed class Plot
{
    /// <summary>Where plotly.js comes from when the page does not already have it.</summary>
    public const string PlotlyCdn = "https://cdn.plot.ly/plotly-2.35.2.min.js";

    readonly Lazy<Picture>? _still;

    /// <summary>Wraps a chart built with XPlot.Plotly (it has no static picture: <see cref="ToPicture"/> draws a note instead).</summary>
    public Plot(PlotlyChart chart) => Chart = chart ?? throw new ArgumentNullException(nameof(chart));

    /// <summary>A chart the library built, with the data to draw its static picture.</summary>
    internal Plot(PlotlyChart chart, IReadOnlyList<PlotSeries> series, string title, string xTitle, string yTitle, bool logY, bool logX = false) : this(chart) =>
        _still = new(() => PlotImage.Render(series, title, xTitle, yTitle, logY, Chart.Width, Chart.Height, logX));

    /// <summary>
    /// The chart as a static PNG (what GitHub, nbconvert or an offline .ipynb shows: they run no script). Charts wrapped
    /// from XPlot directly get a picture saying so.
    /// </summary>
    public Picture ToPicture() => _still?.Value ?? Placeholder();

    Picture Placeholder()
    {
        using var bitmap = new SkiaSharp.SKBitmap(360, 40);
        using var canvas = new SkiaSharp.SKCanvas(bitmap);
        canvas.Clear(SkiaSharp.SKColors.White);
        canvas.DrawText("interactive plot: open the notebook in VS Code to see it", 8, 24, Fonts.Paint(12));
        return Raster.Encode(bitmap);
    }

    /// <summary>The underlying chart (for further With... calls).</summary>
    public PlotlyChart Chart { get; }

    /// <summary>
    /// Inline HTML: a div holding the static picture, and a script that replaces it with the interactive chart once
    /// plotly.js is there. A viewer that runs no script, or has no network for plotly.js, keeps the picture.
    /// </summary>
    public string ToHtml()
    {
        var id = "aelab-plot-" + Guid.NewGuid().ToString("N");
        Chart.WithId(id);
        var still = ToPicture();
        // plotly.js 3 dropped plain-string titles; XPlot writes strings, so wrap them as {text: ...}.
        var js = Chart.GetPlottingJS().Replace("Plotly.newPlot(", "fixTitles(layout); Plotly.newPlot(");
        return $$"""
            <div id="{{id}}" style="width: {{Chart.Width}}px; height: {{Chart.Height}}px;"><img class="aelab-plot-still" alt="plot" width="{{still.Width}}" height="{{still.Height}}" src="data:image/png;base64,{{Convert.ToBase64String(still.ToPng())}}"/></div>
            <script type="text/javascript">
            (function () {
              var fixTitles = function (o) {
                if (!o || typeof o !== 'object') return;
                for (var k in o) {
                  if (k === 'title' && typeof o[k] === 'string') o[k] = { text: o[k] };
                  else fixTitles(o[k]);
                }
              };
              var draw = function () {
                var still = document.querySelector('#{{id}} > .aelab-plot-still');
                if (still) still.remove();
                {{js}}
              };
              if (typeof window.Plotly !== 'undefined') { draw(); return; }
              var s = document.createElement('script');
              s.src = '{{PlotlyCdn}}';
              s.onload = draw;
              document.head.appendChild(s);
            })();
            </script>
            """;
    }

    /// <summary>Writes a standalone HTML page atomically and returns the full path. The page loads plotly.js from its CDN.</summary>
    public string Save(string path)
    {
        var html = $"""
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"/><script src="{PlotlyCdn}"></script></head>
            <body>
            {ToHtml()}
            </body></html>
            """;
        AtomicFile.Write(path, s => { using var w = new StreamWriter(s); w.Write(html); });
        return Path.GetFullPath(path);
    }

    /// <summary>Short description for consoles.</summary>
    public override string ToString() => $"Plot {Chart.Width}x{Chart.Height} (open in a notebook or Save to HTML)";
}
