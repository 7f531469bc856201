using AeLab.Runner.Report;

namespace AeLab.Runner.Tests.Report;

// Links written for the lessons' folder (notebooks/) rewritten for the executed pages' folder (notebooks/out/).
public class LinkRewriteTests
{
    [Fact]
    public void Lesson_links_point_at_the_executed_page_or_notebook()
    {
        Assert.Equal("[next](02-leaky-relu.html)", LinkRewrite.ToPages("[next](02-leaky-relu.dib)"));
        Assert.Equal("<a href=\"02-leaky-relu.html#exercises\">", LinkRewrite.ToPages("<a href=\"02-leaky-relu.dib#exercises\">"));
        Assert.Equal("[next](02-leaky-relu.ipynb)", LinkRewrite.ToNotebooks("[next](02-leaky-relu.dib)"));
        Assert.Equal("\"[next](02-leaky-relu.ipynb)\\n\"", LinkRewrite.ToNotebooks("\"[next](02-leaky-relu.dib)\\n\""));   // inside JSON
    }

    [Fact]
    public void A_solutions_link_points_at_the_same_file_from_the_executed_pages_folder()
    {
        Assert.Equal("[solutions/01-autoencoder.dib](../solutions/01-autoencoder.dib)",
            LinkRewrite.ToPages("[solutions/01-autoencoder.dib](solutions/01-autoencoder.dib)"));
        Assert.Equal("<a href=\"../solutions/01-autoencoder.dib\">solutions/01-autoencoder.dib</a>",
            LinkRewrite.ToPages("<a href=\"solutions/01-autoencoder.dib\">solutions/01-autoencoder.dib</a>"));
        Assert.Equal("see [the solutions](../solutions/12-comparing-generators.dib).",
            LinkRewrite.ToNotebooks("see [the solutions](solutions/12-comparing-generators.dib)."));
        Assert.Equal("<a href=\\\"../solutions/03-variants.dib\\\">", LinkRewrite.ToNotebooks("<a href=\\\"solutions/03-variants.dib\\\">"));
        // Rewriting twice changes nothing more; other links and plain text stay as they are.
        Assert.Equal("[s](../solutions/01-autoencoder.dib)", LinkRewrite.ToPages(LinkRewrite.ToPages("[s](solutions/01-autoencoder.dib)")));
        Assert.Equal("`notebooks/solutions/01-autoencoder.dib`", LinkRewrite.ToPages("`notebooks/solutions/01-autoencoder.dib`"));
        Assert.Equal("[x](other/01-autoencoder.dib)", LinkRewrite.ToPages("[x](other/01-autoencoder.dib)"));
    }

    [Fact]
    public void Each_lessons_solutions_link_resolves_from_the_executed_pages_folder()
    {
        var notebooks = Path.Combine(Repo.Root, "notebooks");
        var lessons = Directory.GetFiles(notebooks, "*.dib").Where(p => !Path.GetFileName(p).StartsWith("00-", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(lessons);
        foreach (var path in lessons)
        {
            var name = Path.GetFileName(path);
            var link = $"](solutions/{name})";
            Assert.Contains(link, File.ReadAllText(path));
            var rewritten = LinkRewrite.ToPages(link)[2..^1];
            Assert.True(File.Exists(Path.GetFullPath(Path.Combine(notebooks, "out", rewritten))),
                $"{name}: the executed page's link {rewritten} does not reach notebooks/solutions/{name}");
        }
    }
}
