using Microsoft.DotNet.Interactive.Documents;

namespace AeLab.Runner.Notebook;

/// <summary>
/// One cell of a notebook: its kernel ("csharp", "markdown", ...), its body and the file line it starts on. A cell
/// replaced by a solution (<see cref="Lesson.Load"/> with a solutions folder) has <see cref="SourceFile"/> set to the
/// solutions file its body and line come from.
/// </summary>
public sealed record Cell(string Kernel, string Source, int FirstLine, string? SourceFile = null)
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

    /// <summary>
    /// Reads a lesson. With <paramref name="solutions"/> (a folder), every code cell whose first line is
    /// <c>// exercise ID</c> is replaced by the cell with the same first line in <c>&lt;solutions&gt;/&lt;lesson&gt;.dib</c>;
    /// a marked cell without a solution, or a solution that matches no cell, is a <see cref="SolutionException"/>.
    /// </summary>
    public static Lesson Load(string path, string? solutions = null)
    {
        var text = File.ReadAllText(path);
        var document = CodeSubmission.Parse(text, Kernels);
        var lesson = new Lesson(path, document, Locate(text, document.Elements));
        return solutions is null ? lesson : lesson.WithSolutions(solutions);
    }

    /// <summary>The exercise id of a cell that starts with the marker line <c>// exercise ID</c> (e.g. "01.2"), else null.</summary>
    public static string? ExerciseId(Cell cell)
    {
        if (!cell.IsCode) return null;
        var first = cell.Source.Split('\n', 2)[0].Trim();
        const string marker = "// exercise ";
        return first.StartsWith(marker, StringComparison.Ordinal) && first[marker.Length..].Trim() is { Length: > 0 } id && !id.Contains(' ')
            ? id : null;
    }

    Lesson WithSolutions(string folder)
    {
        if (!Directory.Exists(folder)) throw new SolutionException($"the solutions folder {folder} does not exist.");
        var file = System.IO.Path.Combine(folder, Name + ".dib");
        var marked = Cells.Where(c => ExerciseId(c) is not null).ToList();
        if (!File.Exists(file))
            return marked.Count == 0 ? this
                : throw new SolutionException($"{Name}.dib: exercise {ExerciseId(marked[0])} (line {marked[0].FirstLine}) has no solution: {file} does not exist.");
        var solved = new Dictionary<string, Cell>();
        foreach (var cell in Load(file).Cells)
            if (ExerciseId(cell) is { } id && !solved.TryAdd(id, cell with { SourceFile = file }))
                throw new SolutionException($"{System.IO.Path.GetFileName(file)}: exercise {id} has two solutions (line {solved[id].FirstLine} and line {cell.FirstLine}).");
        var cells = Cells.Select(c => ExerciseId(c) is not { } id ? c
            : solved.TryGetValue(id, out var s) ? s
            : throw new SolutionException($"{Name}.dib: exercise {id} (line {c.FirstLine}) has no solution in {file}.")).ToList();
        if (solved.Keys.Except(marked.Select(c => ExerciseId(c)!)).FirstOrDefault() is { } extra)
            throw new SolutionException($"{System.IO.Path.GetFileName(file)}: the solution of exercise {extra} (line {solved[extra].FirstLine}) matches no cell of {Name}.dib.");
        return this with { Cells = cells };
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

/// <summary>A lesson's exercise cells and its solutions file do not match (the message names the lesson and the exercise).</summary>
public sealed class SolutionException(string message) : Exception(message);
