using System.Text.Json;
using AeLab.Runner.Report;
using AeLab.Runner.Tests.Report;

namespace AeLab.Runner.Tests.Notebook;

/// <summary>
/// jupyter/ holds every lesson as an unexecuted notebook for Jupyter, written from its .dib: they must not drift apart.
/// After editing a lesson: <c>dotnet run --project lib/AeLab.Runner -c Release -- --ipynb jupyter</c>.
/// </summary>
public class JupyterCopyTests
{
    const string Regenerate = "regenerate with `dotnet run --project lib/AeLab.Runner -c Release -- --ipynb jupyter`";

    static string Folder => Path.Combine(Repo.Root, JupyterCopy.Folder);

    static IEnumerable<string> Lessons() => Directory.GetFiles(Path.Combine(Repo.Root, "notebooks"), "*.dib").Order(StringComparer.Ordinal);

    [Fact]
    public void Every_lesson_has_its_jupyter_copy_equal_to_the_dib_and_nothing_else_is_there()
    {
        var stale = new List<string>();
        foreach (var dib in Lessons())
        {
            var ipynb = Path.Combine(Folder, Path.GetFileNameWithoutExtension(dib) + ".ipynb");
            if (!File.Exists(ipynb)) stale.Add($"{ipynb} is missing");
            else if (File.ReadAllText(ipynb) != JupyterCopy.Render(dib)) stale.Add($"{ipynb} differs from {Path.GetFileName(dib)}");
        }
        var lessons = Lessons().Select(Path.GetFileNameWithoutExtension).ToHashSet();
        stale.AddRange(Directory.GetFiles(Folder, "*.ipynb").Where(f => !lessons.Contains(Path.GetFileNameWithoutExtension(f)))
            .Select(f => $"{f} belongs to no lesson"));
        Assert.True(stale.Count == 0, string.Join("\n", stale) + "\n" + Regenerate);
    }

    [Fact]
    public void The_copies_are_valid_unexecuted_notebooks_for_the_dotnet_csharp_kernel_linking_each_other()
    {
        foreach (var ipynb in Directory.GetFiles(Folder, "*.ipynb"))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(ipynb));
            var root = doc.RootElement;
            Assert.Equal(".net-csharp", root.GetProperty("metadata").GetProperty("kernelspec").GetProperty("name").GetString());
            foreach (var cell in root.GetProperty("cells").EnumerateArray().Where(c => c.GetProperty("cell_type").GetString() == "code"))
            {
                Assert.Equal(JsonValueKind.Null, cell.GetProperty("execution_count").ValueKind);
                Assert.Empty(cell.GetProperty("outputs").EnumerateArray());
            }
            var text = File.ReadAllText(ipynb);
            // Links between lessons point at the other copies; a link to a lesson's solutions reaches its file from here.
            Assert.DoesNotMatch(@"\]\([0-9]{2}-[A-Za-z0-9-]+\.dib\)", text);
            foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(text, @"\]\((?<path>[^)]*solutions/[^)]+\.dib)\)"))
                Assert.True(File.Exists(Path.Combine(Folder, m.Groups["path"].Value)), $"{ipynb}: its link {m.Groups["path"].Value} reaches no file");
        }
        Assert.Null(Jupyter.Validate(Path.Combine(Folder, "01-autoencoder.ipynb")));
        // The kernel runs in jupyter/: the lessons' relative reference must reach lib/bin from there.
        Assert.True(File.Exists(Path.GetFullPath(Path.Combine(Folder, "../lib/bin/AeLab.dll"))) || !Repo.LibraryBuilt);
    }
}
