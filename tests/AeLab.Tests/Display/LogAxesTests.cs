using AeLab.Display;

namespace AeLab.Tests.Display;

public class LogAxesTests
{
    [Fact]
    public void Log_axes_tick_at_one_two_five_times_a_power_of_ten()
    {
        // σ from 0.1 to 2: ticks 0.1, 0.2, 0.5, 1, 2 (as log10 values).
        var (_, _, ticks) = PlotImage.LogAxis([Math.Log10(0.1), Math.Log10(2)]);
        Assert.Equal(new[] { 0.1, 0.2, 0.5, 1, 2 }, ticks.Select(t => Math.Round(Math.Pow(10, t), 6)));
        // Over many decades only the powers of ten.
        var (_, _, wide) = PlotImage.LogAxis([-3, 3]);
        Assert.Equal(new[] { 0.001, 0.01, 0.1, 1, 10, 100, 1000 }, wide.Select(t => Math.Round(Math.Pow(10, t), 6)));
    }

    [Fact]
    public void A_log_log_line_plot_has_log_axes_in_both_renderings()
    {
        var plot = Plots.Lines("t", "σ", "variance", LogAxes.Both, ("a", new[] { 0.1, 1, 2 }, new[] { 0.04, 4, 16 }));
        Assert.Contains("\"type\":\"log\"", plot.Chart.GetInlineHtml().Replace(" ", ""));
        using var bitmap = SkiaSharp.SKBitmap.Decode(plot.ToPicture().ToPng());
        Assert.Equal(720, bitmap.Width);
    }
}

public class ColourBarTests
{
    [Fact]
    public void Colour_bar_ticks_are_round_values_inside_the_range()
    {
        var ticks = HeatMapFigure.BarTicks(-0.0162, 0.0837);
        Assert.Equal(new[] { "0.00", "0.02", "0.04", "0.06", "0.08" }, ticks.Select(t => t.Label));
        Assert.All(ticks, t => Assert.InRange(t.Fraction, 0, 1));
        Assert.Equal(new[] { "-2", "0", "2" }, HeatMapFigure.BarTicks(-2.3, 2.9).Select(t => t.Label).Where(l => l is "-2" or "0" or "2"));
        Assert.Single(HeatMapFigure.BarTicks(1, 1));
    }
}
