using System.Text.Json;
using System.Text.RegularExpressions;

namespace AeLab.Runner.Tests.Lessons;

/// <summary>
/// The outputs of an executed .ipynb, whoever executed it (the runner, or Jupyter's nbclient driving the
/// dotnet-interactive tool): per cell (its index in the notebook, the lesson's cell order), each output's type, the
/// mime types it holds and all its text.
/// </summary>
static partial class NotebookOutputs
{
    public sealed record Output(string Type, IReadOnlyList<string> Mimes, string Text);

    public sealed record CodeCell(int Index, string Source, int? ExecutionCount, IReadOnlyList<Output> Outputs);

    public static List<CodeCell> Read(string ipynb)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(ipynb));
        var cells = new List<CodeCell>();
        int index = 0;
        foreach (var cell in doc.RootElement.GetProperty("cells").EnumerateArray())
        {
            if (cell.GetProperty("cell_type").GetString() == "code")
            {
                var outputs = cell.TryGetProperty("outputs", out var o) ? o.EnumerateArray().Select(Parse).ToList() : [];
                var count = cell.TryGetProperty("execution_count", out var n) && n.ValueKind == JsonValueKind.Number ? n.GetInt32() : (int?)null;
                cells.Add(new CodeCell(index, Text(cell.GetProperty("source")), count, outputs));
            }
            index++;
        }
        return cells;
    }

    static Output Parse(JsonElement o)
    {
        var type = o.GetProperty("output_type").GetString()!;
        var texts = new List<string>();
        var mimes = new List<string>();
        if (o.TryGetProperty("text", out var text)) texts.Add(Text(text));
        if (o.TryGetProperty("data", out var data))
            foreach (var p in data.EnumerateObject())
            {
                mimes.Add(p.Name);
                if (p.Name.StartsWith("text/", StringComparison.Ordinal)) texts.Add(Text(p.Value));
            }
        foreach (var key in new[] { "ename", "evalue" })
            if (o.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String) texts.Add(v.GetString()!);
        if (o.TryGetProperty("traceback", out var tb)) texts.Add(Text(tb));
        return new Output(type, mimes, string.Join("\n", texts));
    }

    // nbformat stores text as one string or as a list of lines.
    static string Text(JsonElement e) =>
        e.ValueKind == JsonValueKind.Array ? string.Concat(e.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString() : x.ToString()))
        : e.ValueKind == JsonValueKind.String ? e.GetString() ?? "" : e.ToString();

    /// <summary>A C# compiler diagnostic as the kernel prints it: "warning CS1701: …", "(3,5): info CS9236: …".</summary>
    [GeneratedRegex(@"\b(?:error|warning|info|hidden) CS[0-9]{4}\b")]
    private static partial Regex CompilerDiagnostic();

    /// <summary>Every output line of the notebook that holds a compiler diagnostic, as "cell N: line".</summary>
    public static List<string> Diagnostics(string ipynb) =>
        Read(ipynb).SelectMany(c => c.Outputs.SelectMany(o => o.Text.Split('\n'))
            .Where(l => CompilerDiagnostic().IsMatch(l)).Select(l => $"cell {c.Index + 1}: {l.Trim()}")).ToList();

    /// <summary>The cells (by index) that show at least one picture (an image/png output).</summary>
    public static SortedSet<int> PictureCells(string ipynb) =>
        new(Read(ipynb).Where(c => c.Outputs.Any(o => o.Mimes.Contains("image/png"))).Select(c => c.Index));

    /// <summary>Fails with every diagnostic of every lesson in <paramref name="outDir"/> (the executed .ipynb files).</summary>
    public static void AssertNoCompilerDiagnostics(string outDir, string how)
    {
        var found = Directory.GetFiles(outDir, "*.ipynb").Order(StringComparer.Ordinal)
            .SelectMany(f => Diagnostics(f).Select(d => $"{Path.GetFileNameWithoutExtension(f)}, {d}")).ToList();
        Assert.True(found.Count == 0,
            $"{found.Count} output line(s) {how} hold a compiler diagnostic, which the learner would see under the cell:\n" + string.Join("\n", found));
    }
}
