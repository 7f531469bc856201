using AeLab.Runner.Execution;
using AeLab.Runner.Notebook;
using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Documents.Jupyter;

namespace AeLab.Runner.Report;

/// <summary>
/// Writes an executed lesson as nbformat 4 with the .NET (C#) kernelspec, through the Documents package
/// (the writer VS Code's extension uses), with every output the kernel produced.
/// </summary>
public static class IpynbReport
{
    public static string Render(Lesson lesson, IReadOnlyList<CellResult> results)
    {
        var document = new InteractiveDocument();
        foreach (var (cell, i) in lesson.Cells.Select((c, i) => (c, i)))
        {
            // nbformat 4.5 wants an id per cell.
            var element = new InteractiveDocumentElement(cell.Source, cell.Kernel) { Id = $"cell-{i + 1}" };
            if (i < results.Count && results[i].ExecutionCount is { } n)
            {
                element.ExecutionOrder = n;
                foreach (var o in results[i].Outputs) element.Outputs.Add(Output(o, n));
            }
            document.Elements.Add(element);
        }
        return LinkRewrite.ToNotebooks(document.ToJupyterJson("C#"));
    }

    static InteractiveDocumentOutputElement Output(CellOutput o, int executionCount)
    {
        switch (o.Kind)
        {
            case "stream": return new TextElement(o.Text, o.Data.GetValueOrDefault("name", "stdout"));
            case "error":
                var lines = o.Text.Split('\n');
                return new ErrorElement(lines[0], o.Data.GetValueOrDefault("ename", "Error"), lines);
            case "execute_result":
                var result = new ReturnValueElement { ExecutionOrder = executionCount };
                foreach (var (mime, content) in o.Data) result.Data[mime] = content;
                return result;
            default:
                return new DisplayElement(o.Data.ToDictionary(kv => kv.Key, kv => (object)kv.Value));
        }
    }
}
