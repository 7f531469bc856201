using TorchSharp;
using XPlot.Plotly;
using static TorchSharp.torch;

namespace AeLab.Display;

public static partial class Plots
{
    // plotly's ten default colours, one per class, and a light grey for reference points drawn under them.
    static readonly string[] ClassColours =
        ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
    const string ReferenceGrey = "#c8c8c8";

    /// <summary>
    /// 2-d codes coloured by class, with a legend of the class names, optionally over a cloud of reference points drawn
    /// first in light grey (for example draws of the prior the codes should match), so that the codes cover the
    /// reference where they lie on it and the grey shows where they leave it empty.
    /// </summary>
    /// <param name="codes">[N, 2] codes.</param>
    /// <param name="labels">[N] integer classes.</param>
    /// <param name="classNames">Legend names by class index (at most ten classes get distinct colours).</param>
    /// <param name="reference">[M, 2] points drawn underneath, or null.</param>
    /// <param name="referenceName">The reference's legend entry.</param>
    public static Plot Codes(Tensor codes, Tensor labels, IReadOnlyList<string> classNames, Tensor? reference = null,
        string referenceName = "prior draws N(0, I)", string title = "", string xTitle = "z1", string yTitle = "z2")
    {
        ArgumentNullException.ThrowIfNull(codes);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        if (codes.dim() != 2 || codes.shape[1] != 2)
            throw new ArgumentException($"Codes: codes must be [N, 2]; got [{string.Join(", ", codes.shape)}].", nameof(codes));
        if (labels.numel() != codes.shape[0])
            throw new ArgumentException($"Codes: labels has {labels.numel()} values for {codes.shape[0]} codes.", nameof(labels));
        if (reference is not null && (reference.dim() != 2 || reference.shape[1] != 2))
            throw new ArgumentException($"Codes: reference must be [M, 2]; got [{string.Join(", ", reference.shape)}].", nameof(reference));
        var xy = ImageBatch.Floats(codes);
        long[] cls;
        using (var l = labels.detach().cpu().to_type(ScalarType.Int64).reshape(-1)) cls = l.data<long>().ToArray();
        var series = new List<(string Name, double[] X, double[] Y, string Colour)>();
        if (reference is not null)
        {
            var r = ImageBatch.Floats(reference);
            var m = (int)reference.shape[0];
            series.Add((referenceName, Enumerable.Range(0, m).Select(i => (double)r[2 * i]).ToArray(),
                Enumerable.Range(0, m).Select(i => (double)r[2 * i + 1]).ToArray(), ReferenceGrey));
        }
        foreach (var c in cls.Distinct().OrderBy(c => c))
        {
            var idx = Enumerable.Range(0, cls.Length).Where(i => cls[i] == c).ToArray();
            var name = c >= 0 && c < classNames.Count ? classNames[(int)c] : $"class {c}";
            series.Add((name, idx.Select(i => (double)xy[2 * i]).ToArray(), idx.Select(i => (double)xy[2 * i + 1]).ToArray(),
                ClassColours[(int)(((c % ClassColours.Length) + ClassColours.Length) % ClassColours.Length)]));
        }
        var traces = series.Select(s => (Trace)new Scattergl
        {
            x = s.X, y = s.Y, mode = "markers", name = s.Name,
            marker = new Marker { size = 4, opacity = s.Colour == ReferenceGrey ? 1.0 : 0.7, color = s.Colour },
        }).ToArray();
        var still = series.Select(s => new PlotSeries(s.Name, s.X, s.Y, Lines: false, Markers: true, Color: s.Colour)).ToList();
        return Finish(traces, still, title, xTitle, yTitle, logY: false);
    }
}
