using System.Text.Json;

namespace AeLab.Runner.Notebook;

/// <summary>One cell of a .dib file: its kernel ("csharp" or "markdown"), its body and the line it starts on.</summary>
public sealed record Cell(string Kernel, string Source, int FirstLine)
{
    public bool IsCode => Kernel == "csharp";
}

/// <summary>Reads the Polyglot Notebooks .dib text format.</summary>
public static class Dib
{
    static readonly Dictionary<string, string> Kernels = new()
    {
        ["csharp"] = "csharp", ["c#"] = "csharp", ["markdown"] = "markdown", ["md"] = "markdown",
    };

    public static IReadOnlyList<Cell> Parse(string text, string defaultKernel = "csharp")
    {
        var lines = text.Replace("\r\n", "\n").Replace('\r', '\n').Split('\n');
        int i = 0;
        if (lines.Length > 0 && lines[0].Trim() == "#!meta")
        {
            // The header's JSON follows until the first cell start; it may name the default kernel.
            i = 1;
            var json = new List<string>();
            while (i < lines.Length && !IsCellStart(lines[i])) json.Add(lines[i++]);
            defaultKernel = DefaultKernelFrom(string.Join("\n", json)) ?? defaultKernel;
        }
        var cells = new List<Cell>();
        string? kernel = null; int start = i + 1; var body = new List<string>();
        void Flush()
        {
            var k = kernel ?? defaultKernel;
            // Blank lines around a cell body are not part of it.
            int a = 0, b = body.Count;
            while (a < b && string.IsNullOrWhiteSpace(body[a])) a++;
            while (b > a && string.IsNullOrWhiteSpace(body[b - 1])) b--;
            if (b > a || kernel != null)
                cells.Add(new Cell(k, string.Join("\n", body.Skip(a).Take(b - a)), start + a));
        }
        for (; i < lines.Length; i++)
        {
            if (IsCellStart(lines[i]))
            {
                if (kernel != null || body.Any(l => !string.IsNullOrWhiteSpace(l))) Flush();
                kernel = Kernels[lines[i].Trim()[2..].ToLowerInvariant()];
                body.Clear(); start = i + 2;
            }
            else body.Add(lines[i]);
        }
        if (kernel != null || body.Any(l => !string.IsNullOrWhiteSpace(l))) Flush();
        return cells;
    }

    static bool IsCellStart(string line)
    {
        var t = line.Trim();
        return t.StartsWith("#!") && Kernels.ContainsKey(t[2..].ToLowerInvariant());
    }

    static string? DefaultKernelFrom(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.TryGetProperty("kernelInfo", out var ki) &&
                ki.TryGetProperty("defaultKernelName", out var d) && d.GetString() is { } name)
                return Kernels.GetValueOrDefault(name.ToLowerInvariant(), name);
        }
        catch (JsonException) { }
        return null;
    }
}
