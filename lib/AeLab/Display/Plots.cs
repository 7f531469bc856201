using TorchSharp;
using XPlot.Plotly;
using static TorchSharp.torch;

namespace AeLab.Display;

/// <summary>Small plotting helpers for the lessons: loss curves, function curves, latent scatter.</summary>
public static partial class Plots
{
    /// <summary>
    /// Named series against their index (1, 2, ...), e.g. train and validation loss per epoch.
    /// </summary>
    public static Plot Lines(IEnumerable<KeyValuePair<string, IReadOnlyList<double>>> series, string title = "",
        string xTitle = "epoch", string yTitle = "loss", bool markers = true, bool logY = false)
    {
        ArgumentNullException.ThrowIfNull(series);
        var traces = series.Select(s => (s.Key, Enumerable.Range(1, s.Value.Count).Select(i => (double)i).ToArray(), s.Value.ToArray())).ToArray();
        return XY(traces, title, xTitle, yTitle, markers, logY);
    }

    /// <summary>Named series with explicit x values.</summary>
    public static Plot Lines(string title, string xTitle, string yTitle, params (string Name, double[] X, double[] Y)[] series) =>
        XY(series, title, xTitle, yTitle, markers: true, logY: false);

    /// <summary>Named series with explicit x values, on log axes where <paramref name="axes"/> says: a parameter sampled on
    /// a log grid (σ = 0.05 … 3) belongs on a log x axis, a quantity spanning decades on a log y axis.</summary>
    public static Plot Lines(string title, string xTitle, string yTitle, LogAxes axes, params (string Name, double[] X, double[] Y)[] series) =>
        XY(series, title, xTitle, yTitle, markers: true, logY: axes.HasFlag(LogAxes.Y), logX: axes.HasFlag(LogAxes.X));

    /// <summary>Curves of functions over [from, to], e.g. activation functions.</summary>
    public static Plot Functions(IEnumerable<(string Name, Func<double, double> F)> functions, double from = -4, double to = 4,
        int points = 201, string title = "", string xTitle = "x", string yTitle = "f(x)")
    {
        ArgumentNullException.ThrowIfNull(functions);
        if (points < 2) throw new ArgumentOutOfRangeException(nameof(points), points, "points must be 2 or more.");
        if (!(to > from)) throw new ArgumentException($"Functions: 'to' ({to}) must be greater than 'from' ({from}).", nameof(to));
        var x = Enumerable.Range(0, points).Select(i => from + (to - from) * i / (points - 1)).ToArray();
        var traces = functions.Select(f => (f.Name, x, x.Select(f.F).ToArray())).ToArray();
        return XY(traces, title, xTitle, yTitle, markers: false, logY: false);
    }

    /// <summary>
    /// A 2-D scatter, one colour and legend entry per class (e.g. a latent space coloured by label).
    /// </summary>
    /// <param name="points">[N,2] positions.</param>
    /// <param name="labels">[N] integer classes, or null for one series.</param>
    /// <param name="classNames">Legend names by class index; "class k" when missing.</param>
    /// <param name="title">Chart title.</param>
    /// <param name="xTitle">x axis title.</param>
    /// <param name="yTitle">y axis title.</param>
    public static Plot Scatter(Tensor points, Tensor? labels = null, IReadOnlyList<string>? classNames = null,
        string title = "", string xTitle = "z[0]", string yTitle = "z[1]")
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.dim() != 2 || points.shape[1] != 2)
            throw new ArgumentException($"Scatter: points must be [N,2], got [{string.Join(",", points.shape)}]; take two latent dimensions, e.g. z[.., ..2].", nameof(points));
        var xy = ImageBatch.Floats(points);
        var n = (int)points.shape[0];
        long[] cls;
        if (labels is null) cls = new long[n];
        else
        {
            if (labels.numel() != n)
                throw new ArgumentException($"Scatter: labels has {labels.numel()} values for {n} points.", nameof(labels));
            using var l = labels.detach().cpu().to_type(ScalarType.Int64).reshape(-1);
            cls = l.data<long>().ToArray();
        }
        var classes = cls.Distinct().OrderBy(c => c).ToArray();
        var traces = classes.Select((c, k) =>
        {
            var idx = Enumerable.Range(0, n).Where(i => cls[i] == c).ToArray();
            var name = labels is null ? "points" : classNames is not null && c >= 0 && c < classNames.Count ? classNames[(int)c] : $"class {c}";
            return (Trace)new Scattergl
            {
                x = idx.Select(i => (double)xy[2 * i]).ToArray(),
                y = idx.Select(i => (double)xy[2 * i + 1]).ToArray(),
                mode = "markers",
                name = name,
                // plotly.js cycles ten colours; with more classes each gets its own from a 20-colour palette.
                marker = classes.Length > 10 ? new Marker { size = 4, opacity = 0.7, color = Palette20[k % Palette20.Length] }
                                             : new Marker { size = 4, opacity = 0.7 },
            };
        }).ToArray();
        var still = traces.Cast<Scattergl>().Select((t, k) => new PlotSeries(t.name, (double[])t.x, (double[])t.y, Lines: false, Markers: true,
            Color: classes.Length > 10 ? Palette20[k % Palette20.Length] : null)).ToList();
        return Finish(traces, still, title, xTitle, yTitle, logY: false);
    }

    /// <summary>
    /// One bar per named value (for example a score per model), in the given order, with each value written
    /// on its bar.
    /// </summary>
    /// <param name="bars">(name, value) per bar.</param>
    /// <param name="logY">Logarithmic value axis, for values that span several orders of magnitude (all must be positive).</param>
    public static Plot Bars(IEnumerable<(string Name, double Value)> bars, string title = "", string xTitle = "",
        string yTitle = "", bool logY = false, string format = "G3")
    {
        ArgumentNullException.ThrowIfNull(bars);
        var list = bars.ToList();
        if (list.Count == 0) throw new ArgumentException("Bars: give at least one bar.", nameof(bars));
        if (logY && list.Any(b => !(b.Value > 0)))
            throw new ArgumentException("Bars: a logarithmic axis needs positive values; use logY: false.", nameof(bars));
        var trace = new Bar
        {
            x = list.Select(b => b.Name).ToArray(),
            y = list.Select(b => b.Value).ToArray(),
            text = list.Select(b => b.Value.ToString(format, System.Globalization.CultureInfo.InvariantCulture)).ToArray(),
            name = yTitle,
        };
        var still = new List<PlotSeries>
        {
            new(yTitle, Enumerable.Range(1, list.Count).Select(i => (double)i).ToArray(), list.Select(b => b.Value).ToArray(), Lines: false, Markers: false)
            { Bars = list.Select(b => b.Name).ToArray() },
        };
        var plot = Finish(new Trace[] { trace }, still, title, xTitle, yTitle, logY);
        plot.Chart.WithLegend(false);
        return plot;
    }

    static readonly string[] Palette20 =
    [
        "#1f77b4", "#aec7e8", "#ff7f0e", "#ffbb78", "#2ca02c", "#98df8a", "#d62728", "#ff9896", "#9467bd", "#c5b0d5",
        "#8c564b", "#c49c94", "#e377c2", "#f7b6d2", "#7f7f7f", "#c7c7c7", "#bcbd22", "#dbdb8d", "#17becf", "#9edae5",
    ];

    static Plot XY(IEnumerable<(string Name, double[] X, double[] Y)> series, string title, string xTitle, string yTitle, bool markers, bool logY,
        bool logX = false)
    {
        var list = series.ToList();
        var traces = list.Select(s =>
        {
            if (s.X.Length != s.Y.Length)
                throw new ArgumentException($"Plots: series '{s.Name}' has {s.X.Length} x values and {s.Y.Length} y values.");
            return (Trace)new Scatter { x = s.X, y = s.Y, name = s.Name, mode = markers ? "lines+markers" : "lines" };
        }).ToArray();
        var still = list.Select(s => new PlotSeries(s.Name, s.X, s.Y, Lines: true, Markers: markers)).ToList();
        return Finish(traces, still, title, xTitle, yTitle, logY, logX);
    }

    static Plot Finish(Trace[] traces, IReadOnlyList<PlotSeries> still, string title, string xTitle, string yTitle, bool logY,
        bool logX = false)
    {
        var layout = new Layout.Layout
        {
            title = title,
            xaxis = logX ? new Xaxis { title = xTitle, type = "log" } : new Xaxis { title = xTitle },
            yaxis = logY ? new Yaxis { title = yTitle, type = "log" } : new Yaxis { title = yTitle },
            showlegend = true,
        };
        var chart = XPlot.Plotly.Chart.Plot(traces, layout);
        chart.WithSize(720, 420);
        return new Plot(chart, still, title, xTitle, yTitle, logY, logX);
    }
}

/// <summary>Which axes of a line plot are logarithmic.</summary>
[Flags]
public enum LogAxes
{
    None = 0,
    X = 1,
    Y = 2,
    Both = X | Y,
}
