using System.Text.Json;
using AeLab.Runner.Notebook;

namespace AeLab.Runner.Tests.Lessons;

/// <summary>What the exercise cells of executed lessons printed, read from the runner's .ipynb files.</summary>
static class ExerciseOutputs
{
    /// <summary>Per lesson (file name without .ipynb): the exercise id of every cell starting with "// exercise ID" and its output text.</summary>
    public static Dictionary<string, List<(string Id, string Text)>> Read(string outDir)
    {
        var found = new Dictionary<string, List<(string, string)>>();
        foreach (var path in Directory.GetFiles(outDir, "*.ipynb").OrderBy(p => p, StringComparer.Ordinal))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var cells = new List<(string, string)>();
            foreach (var cell in doc.RootElement.GetProperty("cells").EnumerateArray())
            {
                if (cell.GetProperty("cell_type").GetString() != "code") continue;
                var source = Text(cell.GetProperty("source"));
                var first = source.Split('\n', 2)[0].Trim();
                if (!first.StartsWith("// exercise ", StringComparison.Ordinal)) continue;
                var outputs = cell.TryGetProperty("outputs", out var o) ? o.EnumerateArray().Select(Output) : [];
                cells.Add((first["// exercise ".Length..].Trim(), string.Join("\n", outputs)));
            }
            found[Path.GetFileNameWithoutExtension(path)] = cells;
        }
        return found;
    }

    /// <summary>
    /// The lessons as shipped hold placeholders: every exercise's check in the executed notebooks of
    /// <paramref name="outDir"/> must say "not answered yet" (or "not yet"), never "right".
    /// </summary>
    public static void AssertNotAnswered(string outDir, IEnumerable<string> lessons)
    {
        var exercises = Read(outDir);
        foreach (var path in lessons)
            foreach (var id in Lesson.Load(path).Cells.Select(Lesson.ExerciseId).OfType<string>())
            {
                var name = Path.GetFileNameWithoutExtension(path);
                var text = Assert.Single(exercises[name], e => e.Id == id).Text;
                Assert.True(text.Contains($"○ {id} not answered yet") || text.Contains($"✗ {id} not yet"),
                    $"{name}: exercise {id} as shipped should report \"not answered yet\"; it printed:\n{text}");
                Assert.DoesNotContain($"✓ {id} right", text);
                Assert.False(text.Contains("Hint", StringComparison.Ordinal), $"{name}: exercise {id} as shipped shows a hint before any attempt:\n{text}");
            }
    }

    /// <summary>With the solutions in place, every exercise's check in the executed notebooks of <paramref name="outDir"/> says "right".</summary>
    public static void AssertAllRight(string outDir, IEnumerable<string> lessons)
    {
        var exercises = Read(outDir);
        foreach (var path in lessons)
        {
            var name = Path.GetFileNameWithoutExtension(path);
            foreach (var id in Lesson.Load(path).Cells.Select(Lesson.ExerciseId).OfType<string>())
            {
                var text = Assert.Single(exercises[name], e => e.Id == id).Text;
                Assert.True(text.Contains($"✓ {id} right"), $"{name}: exercise {id} with its solution printed:\n{text}");
            }
        }
    }

    static string Output(JsonElement output) =>
        output.TryGetProperty("text", out var text) ? Text(text)
        : output.TryGetProperty("data", out var data) && data.TryGetProperty("text/plain", out var plain) ? Text(plain)
        : "";

    // nbformat stores text as one string or as a list of lines.
    static string Text(JsonElement e) =>
        e.ValueKind == JsonValueKind.Array ? string.Concat(e.EnumerateArray().Select(x => x.GetString())) : e.GetString() ?? "";
}
