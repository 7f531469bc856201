using System.Text.Json;
using System.Text.Json.Nodes;
using AeLab.Runner.Execution;

namespace AeLab.Runner.Report;

/// <summary>Writes an executed notebook as nbformat 4.5 with the .NET (C#) kernelspec.</summary>
public static class IpynbReport
{
    public static string Render(IReadOnlyList<AeLab.Runner.Notebook.Cell> cells, IReadOnlyList<CellResult> results)
    {
        var array = new JsonArray();
        for (int i = 0; i < cells.Count; i++)
        {
            var cell = cells[i];
            var r = i < results.Count ? results[i] : null;
            var node = new JsonObject
            {
                ["cell_type"] = cell.IsCode ? "code" : "markdown",
                ["id"] = $"cell-{i + 1}",
                ["metadata"] = cell.IsCode
                    ? new JsonObject { ["dotnet_interactive"] = new JsonObject { ["language"] = "csharp" }, ["polyglot_notebook"] = new JsonObject { ["kernelName"] = "csharp" } }
                    : new JsonObject(),
                ["source"] = Lines(cell.Source),
            };
            if (cell.IsCode)
            {
                node["execution_count"] = r?.ExecutionCount;
                var outputs = new JsonArray();
                foreach (var o in r?.Outputs ?? new()) outputs.Add(Output(o, r!.ExecutionCount));
                node["outputs"] = outputs;
            }
            array.Add(node);
        }
        var doc = new JsonObject
        {
            ["cells"] = array,
            ["metadata"] = new JsonObject
            {
                ["kernelspec"] = new JsonObject { ["display_name"] = ".NET (C#)", ["language"] = "C#", ["name"] = ".net-csharp" },
                ["language_info"] = new JsonObject { ["name"] = "C#", ["file_extension"] = ".cs", ["mimetype"] = "text/x-csharp", ["pygments_lexer"] = "csharp" },
                ["polyglot_notebook"] = new JsonObject { ["kernelInfo"] = new JsonObject { ["defaultKernelName"] = "csharp", ["items"] = new JsonArray(new JsonObject { ["name"] = "csharp" }) } },
            },
            ["nbformat"] = 4,
            ["nbformat_minor"] = 5,
        };
        return doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    static JsonArray Lines(string text)
    {
        var a = new JsonArray();
        var parts = text.Split('\n');
        for (int i = 0; i < parts.Length; i++) a.Add(i < parts.Length - 1 ? parts[i] + "\n" : parts[i]);
        return a;
    }

    static JsonObject Output(CellOutput o, int? count)
    {
        switch (o.Kind)
        {
            case "stream": return new JsonObject { ["output_type"] = "stream", ["name"] = "stdout", ["text"] = Lines(o.Text) };
            case "error":
                return new JsonObject
                {
                    ["output_type"] = "error", ["ename"] = o.Data.GetValueOrDefault("ename", "Error"),
                    ["evalue"] = o.Text.Split('\n')[0], ["traceback"] = new JsonArray(o.Text.Split('\n').Select(l => (JsonNode)l!).ToArray()),
                };
            default:
                var data = new JsonObject();
                foreach (var (mime, content) in o.Data) data[mime] = mime == "image/png" ? content : Lines(content);
                var node = new JsonObject { ["output_type"] = o.Kind, ["data"] = data, ["metadata"] = new JsonObject() };
                if (o.Kind == "execute_result") node["execution_count"] = count;
                return node;
        }
    }
}
