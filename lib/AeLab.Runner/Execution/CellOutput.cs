namespace AeLab.Runner.Execution;

/// <summary>One output of a cell, as in nbformat: "display_data", "execute_result", "stream" or "error".</summary>
public sealed class CellOutput
{
    public required string Kind { get; init; }
    /// <summary>Mime type to content (text; image/png as base64).</summary>
    public Dictionary<string, string> Data { get; set; } = new();
    public string Text { get; set; } = "";
    /// <summary>The kernel's display id: a later update with the same id replaces this output in place.</summary>
    public string? DisplayId { get; init; }
}

/// <summary>The executed state of one cell.</summary>
public sealed class CellResult
{
    public required Notebook.Cell Cell { get; init; }
    public int Number { get; init; }
    public int? ExecutionCount { get; init; }
    public List<CellOutput> Outputs { get; } = new();
    public TimeSpan Elapsed { get; set; }
    public string? Error { get; set; }
}
