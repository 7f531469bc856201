using System.Text.Json;

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

    static string Output(JsonElement output) =>
        output.TryGetProperty("text", out var text) ? Text(text)
        : output.TryGetProperty("data", out var data) && data.TryGetProperty("text/plain", out var plain) ? Text(plain)
        : "";

    // nbformat stores text as one string or as a list of lines.
    static string Text(JsonElement e) =>
        e.ValueKind == JsonValueKind.Array ? string.Concat(e.EnumerateArray().Select(x => x.GetString())) : e.GetString() ?? "";
}
