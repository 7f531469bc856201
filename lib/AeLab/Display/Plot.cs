using XPlot.Plotly;

namespace AeLab.Display;

/// <summary>
/// An XPlot.Plotly chart that notebooks show inline. The HTML is a div plus a script calling
/// Plotly.newPlot (no require.js); when the page has no Plotly yet (VS Code) it loads plotly.js first.
/// </summary>
[TypeFormatterSource(typeof(DisplayFormatterSource))]
public sealed class Plot
{
    /// <summary>Where plotly.js comes from when the page does not already have it.</summary>
    public const string PlotlyCdn = "https://cdn.plot.ly/plotly-2.35.2.min.js";

    /// <summary>Wraps a chart built with XPlot.Plotly.</summary>
    public Plot(PlotlyChart chart) => Chart = chart ?? throw new ArgumentNullException(nameof(chart));

    /// <summary>The underlying chart (for further With... calls).</summary>
    public PlotlyChart Chart { get; }

    /// <summary>Inline HTML: a div and a script that draws into it.</summary>
    public string ToHtml()
    {
        var id = "aelab-plot-" + Guid.NewGuid().ToString("N");
        Chart.WithId(id);
        // plotly.js 3 dropped plain-string titles; XPlot writes strings, so wrap them as {text: ...}.
        var js = Chart.GetPlottingJS().Replace("Plotly.newPlot(", "fixTitles(layout); Plotly.newPlot(");
        return $$"""
            <div id="{{id}}" style="width: {{Chart.Width}}px; height: {{Chart.Height}}px;"></div>
            <script type="text/javascript">
            (function () {
              var fixTitles = function (o) {
                if (!o || typeof o !== 'object') return;
                for (var k in o) {
                  if (k === 'title' && typeof o[k] === 'string') o[k] = { text: o[k] };
                  else fixTitles(o[k]);
                }
              };
              var draw = function () { {{js}} };
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
