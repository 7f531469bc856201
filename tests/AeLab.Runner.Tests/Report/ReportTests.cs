using System.Text.Json;

namespace AeLab.Runner.Tests.Report;

/// <summary>Runs fixture notebooks through the whole runner and checks the .ipynb and the rendered HTML.</summary>
public class ReportTests
{
    static (string dir, bool ok) RunFixture(string fixture)
    {
        var outDir = Repo.TempDir();
        var ok = new LessonRunner(outDir, TimeSpan.FromSeconds(300), TextWriter.Null).Run(Repo.Fixture(fixture));
        return (outDir, ok);
    }

    // nbformat stores a multi-line string as a string or an array of lines.
    static string Text(JsonElement e) =>
        e.ValueKind == JsonValueKind.Array ? string.Concat(e.EnumerateArray().Select(l => l.GetString())) : e.GetString()!;

    [Fact]
    public void Ipynb_is_nbformat_4_with_the_csharp_kernel_and_the_outputs()
    {
        var (dir, ok) = RunFixture("display.dib");
        Assert.True(ok);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "display.ipynb")));
        var root = doc.RootElement;
        Assert.Equal(4, root.GetProperty("nbformat").GetInt32());
        Assert.Equal(".net-csharp", root.GetProperty("metadata").GetProperty("kernelspec").GetProperty("name").GetString());
        Assert.Null(Jupyter.Validate(Path.Combine(dir, "display.ipynb")));
        var cells = root.GetProperty("cells").EnumerateArray().ToList();
        Assert.Equal(new[] { "markdown", "code", "code" }, cells.Select(c => c.GetProperty("cell_type").GetString()));
        // Links between lessons point at the executed notebooks beside it, and in the page at the executed pages.
        Assert.Contains("](01-autoencoder.ipynb)", string.Concat(cells[0].GetProperty("source").EnumerateArray().Select(l => l.GetString())));
        Assert.Contains("href=\"01-autoencoder.html\"", File.ReadAllText(Path.Combine(dir, "display.html")));
        // A link to a lesson's solutions, beside the lesson, reaches the same file from the executed pages' folder.
        Assert.Contains("](../solutions/01-autoencoder.dib)", string.Concat(cells[0].GetProperty("source").EnumerateArray().Select(l => l.GetString())));
        Assert.Contains("href=\"../solutions/01-autoencoder.dib\"", File.ReadAllText(Path.Combine(dir, "display.html")));
        var outputs = cells[1].GetProperty("outputs").EnumerateArray().ToList();
        Assert.Equal(new[] { "stream", "display_data", "display_data" }, outputs.Select(o => o.GetProperty("output_type").GetString()));
        var result = cells[2].GetProperty("outputs").EnumerateArray().Single(o => o.GetProperty("output_type").GetString() == "execute_result");
        Assert.Equal(2, result.GetProperty("execution_count").GetInt32());
    }

    [Fact]
    public void Error_is_shown_at_its_cell_in_the_html_and_the_run_reports_failure()
    {
        var (dir, ok) = RunFixture("error.dib");
        Assert.False(ok);
        var html = File.ReadAllText(Path.Combine(dir, "error.html"));
        var at = html.IndexOf("id=\"cell-2\"", StringComparison.Ordinal);
        Assert.True(at > 0);
        Assert.True(html.IndexOf("boom in the fixture", StringComparison.Ordinal) > at);
        Assert.DoesNotContain("never runs\n", html);
        Assert.Contains("1 later cell(s) were not executed", html);
    }

    [Fact]
    public void Picture_and_plot_render_in_headless_chromium()
    {
        Assert.True(Repo.LibraryBuilt, "lib/bin/AeLab.dll is missing: run `dotnet build lib/AeLab` first");
        var (dir, ok) = RunFixture("picture.dib");
        Assert.True(ok, File.ReadAllText(Path.Combine(dir, "picture.html")));

        using (var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "picture.ipynb"))))
        {
            var cells = doc.RootElement.GetProperty("cells").EnumerateArray().ToList();
            var picture = cells[1].GetProperty("outputs")[0].GetProperty("data");
            Assert.True(picture.TryGetProperty("image/png", out var png));
            Assert.StartsWith("iVBORw0KGgo", Text(png)); // PNG signature in base64
            Assert.True(picture.TryGetProperty("text/plain", out _));
            var plot = cells[2].GetProperty("outputs")[0].GetProperty("data");
            Assert.True(plot.TryGetProperty("text/html", out _));
            Assert.True(plot.TryGetProperty("image/png", out _), "the plot has no static picture for viewers that run no script");
        }
        Assert.Null(Jupyter.Validate(Path.Combine(dir, "picture.ipynb")));
        // Converted by nbconvert, the notebook shows the picture and the plot's static image.
        var converted = Path.Combine(dir, "picture.nbconvert.html");
        File.WriteAllText(converted, Jupyter.ToHtml(Path.Combine(dir, "picture.ipynb")));
        using (var page = Chromium.Screenshot(converted, 1000, 1400))
        {
            Assert.True(Chromium.Count(page, 255, 0, 0) >= 32 * 64 * 0.9, "nbconvert's page does not show the picture");
            Assert.True(Chromium.Count(page, 0x1f, 0x77, 0xb4, 20) > 100, "nbconvert's page does not show the plot");
        }

        var html = Path.Combine(dir, "picture.html");
        // Works offline: no script or stylesheet is loaded from the network.
        Assert.DoesNotMatch("<(script|link)[^>]+(src|href)=\"https?:", File.ReadAllText(html));
        using var shot = Chromium.Screenshot(html, 1000, 1400);
        Assert.True(Chromium.Count(shot, 255, 0, 0) >= 32 * 64 * 0.9, "the picture's red half is not on the page");
        Assert.True(Chromium.Count(shot, 0, 0, 255) >= 32 * 64 * 0.9, "the picture's blue half is not on the page");
        // Plotly's first trace colour (#1f77b4) appears only if plotly.js ran and drew the line.
        Assert.True(Chromium.Count(shot, 0x1f, 0x77, 0xb4, 20) > 100, "the plot's trace was not drawn");
    }
}
