using AeLab.Display;
using static TorchSharp.torch;

namespace AeLab.Tests.Display;

public class CodesPlotTests
{
    [Fact]
    public void Codes_are_coloured_by_class_over_a_grey_reference_with_one_legend_entry_each()
    {
        Lab.Init(seed: 0);
        var codes = randn(30, 2);
        var labels = arange(30, dtype: ScalarType.Int64) % 3;
        var plot = Plots.Codes(codes, labels, new[] { "tops", "trousers", "shoes" }, randn(50, 2), title: "codes");
        var html = plot.Chart.GetInlineHtml();
        foreach (var name in new[] { "prior draws N(0, I)", "tops", "trousers", "shoes" }) Assert.Contains(name, html);
        Assert.True(html.IndexOf("prior draws", StringComparison.Ordinal) < html.IndexOf("\"tops\"", StringComparison.Ordinal), "the reference is drawn first, underneath");
        using var bitmap = SkiaSharp.SKBitmap.Decode(plot.ToPicture().ToPng());
        Assert.Equal(720, bitmap.Width);

        Assert.Throws<ArgumentException>(() => Plots.Codes(randn(30, 3), labels, new[] { "a" }));
        Assert.Throws<ArgumentException>(() => Plots.Codes(codes, labels[..10], new[] { "a" }));
        Assert.Throws<ArgumentException>(() => Plots.Codes(codes, labels, new[] { "a" }, reference: randn(5)));
    }
}
