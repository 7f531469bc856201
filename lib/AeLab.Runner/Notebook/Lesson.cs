using Microsoft.DotNet.Interactive.Documents;

namespace AeLab.Runner.Notebook;

/// <summary>One cell of a notebook: its kernel ("csharp", "markdown", ...), its body and the file line it starts on.</summary>
public sealed record Cell(string Kernel, string Source, int FirstLine)
{
    public bool IsCode => Kernel is "csharp";
    public bool IsMarkdown => Kernel is "markdown";
    /// <summary>The file line of the cell's last line.</summary>
    public int LastLine => FirstLine + Source.Count(c => c == '\n');
}

/// <summary>A .dib lesson read by the .NET Interactive Documents parser (the one VS Code's extension uses).</summary>
public sealed record Lesson(string Path, InteractiveDocument Document, IReadOnlyList<Cell> Cells)
{
    public string Name => System.IO.Path.GetFileNameWithoutExtension(Path);

    static readonly KernelInfoCollection Kernels = new()
    {
        new KernelInfo("csharp", "C#", ["c#", "C#"]),
        new KernelInfo("markdown", "Markdown", ["md"]),
    };

    public static Lesson Load(string path)
    {
        var text = File.ReadAllText(path);
        var document = CodeSubmission.Parse(text, Kernels);
        return new Lesson(path, document, Locate(text, document.Elements));
    }

    /// <summary>
    /// The parser keeps no positions, so each cell's first line is found by searching for its body after
    /// the previous one (bodies appear in file order, trimmed of blank lines).
    /// </summary>
    static List<Cell> Locate(string text, IEnumerable<InteractiveDocumentElement> elements)
    {
        text = text.Replace("\r\n", "\n");
        var cells = new List<Cell>();
        int from = 0;
        foreach (var e in elements)
        {
            var body = e.Contents.Replace("\r\n", "\n");
            int at = body.Length == 0 ? -1 : text.IndexOf(body, from, StringComparison.Ordinal);
            int line = at < 0 ? 0 : 1 + text.AsSpan(0, at).Count('\n');
            if (at >= 0) from = at + body.Length;
            cells.Add(new Cell(e.KernelName ?? "csharp", body, line));
        }
        return cells;
    }
}
