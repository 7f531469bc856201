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

    [Fact]
    public void Ipynb_is_nbformat_4_with_the_csharp_kernel_and_the_outputs()
    {
        var (dir, ok) = RunFixture("display.dib");
        Assert.True(ok);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "display.ipynb")));
        var root = doc.RootElement;
        Assert.Equal(4, root.GetProperty("nbformat").GetInt32());
        Assert.Equal(".net-csharp", root.GetProperty("metadata").GetProperty("kernelspec").GetProperty("name").GetString());
        var cells = root.GetProperty("cells").EnumerateArray().ToList();
        Assert.Equal(new[] { "markdown", "code", "code" }, cells.Select(c => c.GetProperty("cell_type").GetString()));
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
            Assert.StartsWith("iVBORw0KGgo", png.GetString()); // PNG signature in base64
            Assert.True(cells[2].GetProperty("outputs")[0].GetProperty("data").TryGetProperty("text/html", out _));
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
