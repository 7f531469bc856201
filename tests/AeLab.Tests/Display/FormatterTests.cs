using System.Reflection;
using AeLab.Display;
using AeLab.Runtime;
using static TorchSharp.torch;

namespace AeLab.Tests.Display;

// Follows the notebook kernel's convention the way its formatting package does: find an attribute
// NAMED TypeFormatterSourceAttribute, create FormatterSourceType, call CreateTypeFormatters(),
// pick the formatter by MimeType and call Format(object, TextWriter).
public class FormatterTests
{
    public FormatterTests() => Lab.Init();

    static string Format(object value, string mime)
    {
        var attr = value.GetType().GetCustomAttributes()
            .Single(a => a.GetType().Name == "TypeFormatterSourceAttribute");
        var sourceType = (Type)attr.GetType().GetProperty("FormatterSourceType")!.GetValue(attr)!;
        var source = Activator.CreateInstance(sourceType)!;
        var formatters = (IEnumerable<object>)sourceType.GetMethod("CreateTypeFormatters")!.Invoke(source, null)!;
        foreach (var f in formatters)
        {
            if ((string)f.GetType().GetProperty("MimeType")!.GetValue(f)! != mime) continue;
            var w = new StringWriter();
            if ((bool)f.GetType().GetMethod("Format")!.Invoke(f, [value, w])!) return w.ToString();
        }
        throw new Xunit.Sdk.XunitException($"no {mime} formatter for {value.GetType()}");
    }

    [Fact]
    public void Picture_renders_as_an_inline_png_image()
    {
        using var x = rand(2, 1, 4, 4);
        var p = Images.Grid(x);
        var html = Format(p, "text/html");
        Assert.StartsWith("<img src=\"data:image/png;base64,", html);
        Assert.Contains(Convert.ToBase64String(p.ToPng()), html);
        Assert.Contains("Picture", Format(p, "text/plain"));
    }

    [Fact]
    public void Bars_keep_their_order_and_label_each_value()
    {
        var html = Plots.Bars([("floor", 0.5), ("model", 12.25), ("noise", 300.0)], title: "score", logY: true, format: "F2").ToHtml();
        Assert.Contains("\"type\":\"bar\"", html);
        Assert.True(html.IndexOf("\"floor\"") < html.IndexOf("\"model\"") && html.IndexOf("\"model\"") < html.IndexOf("\"noise\""));
        Assert.Contains("\"12.25\"", html);
        Assert.Contains("\"log\"", html);
        Assert.Throws<ArgumentException>(() => Plots.Bars([("zero", 0.0)], logY: true));
    }

    [Fact]
    public void Plot_renders_a_div_and_a_newPlot_script_without_require()
    {
        var plot = Plots.Lines([new("train", [3.0, 2.0, 1.5]), new("validation", [3.2, 2.4, 2.0])], title: "loss");
        var html = Format(plot, "text/html");
        Assert.Contains("<div id=\"aelab-plot-", html);
        Assert.Contains("Plotly.newPlot(", html);
        Assert.Contains("\"validation\"", html);
        Assert.Contains("typeof window.Plotly", html);
        Assert.Contains("fixTitles(layout); Plotly.newPlot(", html); // string titles survive plotly.js 3
        Assert.DoesNotContain("require", html);
    }

    [Fact]
    public void Summaries_render_their_text_not_a_property_table()
    {
        var env = Lab.Current;
        var envHtml = Format(env, "text/html");
        Assert.Equal("<pre class=\"aelab-summary\" style=\"white-space:pre-wrap\">" + System.Net.WebUtility.HtmlEncode(env.ToString()) + "</pre>", envHtml);
        Assert.Contains("device cpu", envHtml);
        var epoch = new AeLab.Training.EpochRecord(3, new Dictionary<string, double> { ["loss"] = 0.25, ["val_loss"] = 0.5 }, 1.5);
        var result = new AeLab.Training.TrainResult([epoch], 12.0);
        var html = System.Net.WebUtility.HtmlDecode(Format(result, "text/html"));
        Assert.Contains("3 epochs, trained in 12 s\nepoch 3: loss 0.25 · val_loss 0.5 · 1.5 s", html);
        Assert.Equal(result.ToString(), Format(result, "text/plain"));
        Assert.Contains("epoch 3: loss 0.25", System.Net.WebUtility.HtmlDecode(Format(epoch, "text/html")));
    }

    [Fact]
    public void Scatter_gives_more_than_ten_classes_distinct_colours()
    {
        using var z = randn(24, 2);
        using var y = arange(24, dtype: ScalarType.Int64).remainder(12);
        var html = Plots.Scatter(z, y).ToHtml();
        var colours = System.Text.RegularExpressions.Regex.Matches(html, "\"color\":\"(#[0-9a-f]{6})\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(12, colours.Count);
        Assert.Equal(12, colours.Distinct().Count());
        using var few = tensor(new long[] { 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2 });
        Assert.DoesNotContain("\"color\"", Plots.Scatter(z, few).ToHtml());   // ten or fewer: plotly's own colours
    }

    [Fact]
    public void Scatter_has_one_legend_entry_per_class()
    {
        using var z = tensor(new float[] { 0, 0, 1, 1, 2, 2, 3, 3 }).reshape(4, 2);
        using var y = tensor(new long[] { 0, 1, 0, 2 });
        var html = Plots.Scatter(z, y, ["T-shirt", "Trouser", "Pullover"]).ToHtml();
        foreach (var name in new[] { "T-shirt", "Trouser", "Pullover" }) Assert.Contains($"\"{name}\"", html);
    }

    [Fact]
    public void Plot_carries_a_static_picture_of_its_series_inside_its_html()
    {
        var plot = Plots.Lines("rising", "x", "y", ("a", new double[] { 0, 1, 2, 3 }, new double[] { 0, 1, 4, 9 }));
        using var bitmap = SkiaSharp.SKBitmap.Decode(plot.ToPicture().ToPng());
        Assert.Equal((720, 420), (bitmap.Width, bitmap.Height));
        // plotly's first colour, #1f77b4, drawn by the library for the first series.
        Assert.True(bitmap.Pixels.Count(p => Math.Abs(p.Red - 0x1f) < 12 && Math.Abs(p.Green - 0x77) < 12 && Math.Abs(p.Blue - 0xb4) < 12) > 200);
        var html = plot.ToHtml();
        Assert.Contains("class=\"aelab-plot-still\"", html);
        Assert.True(html.IndexOf("aelab-plot-still", StringComparison.Ordinal) < html.IndexOf("<script", StringComparison.Ordinal));
    }

    [Fact]
    public void Outside_a_kernel_display_and_updates_go_to_the_console()
    {
        var previous = Console.Out;
        var console = new StringWriter();
        Console.SetOut(console);
        try
        {
            Assert.False(Output.InKernel);
            var handle = Output.Display("epoch 1");
            handle.Update("epoch 2");
        }
        finally { Console.SetOut(previous); }
        Assert.Equal("epoch 1\nepoch 2\n", console.ToString().Replace("\r\n", "\n"));
    }
}
