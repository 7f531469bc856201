using System.Net;
using System.Text;
using AeLab.Runner.Execution;
using Markdig;

namespace AeLab.Runner.Report;

/// <summary>Writes a standalone HTML page of an executed notebook (markdown, code, outputs, errors).</summary>
public static class HtmlReport
{
    static readonly MarkdownPipeline Markdown = new MarkdownPipelineBuilder().UseAdvancedExtensions().UseMathematics().Build();

    const string Style = """
        body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222;background:#fff}
        .cell{margin:1em 0}.code pre.src{background:#f6f8fa;border:1px solid #ddd;padding:.6em;overflow:auto;font-size:13px}
        .count{color:#888;font:12px monospace}.out{margin:.3em 0 .3em 1em;overflow:auto}.out img{max-width:100%;height:auto}
        pre.stream{margin:0;font-size:13px;white-space:pre-wrap}.error pre{background:#fee;border:1px solid #c33;color:#900;padding:.6em;white-space:pre-wrap}
        table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}
        """;

    public static string Render(string title, IReadOnlyList<CellResult> results, int totalCells, Assets assets)
    {
        var body = new StringBuilder();
        foreach (var r in results)
        {
            if (!r.Cell.IsCode)
            {
                var prose = r.Cell.IsMarkdown ? LinkRewrite.ToPages(Markdig.Markdown.ToHtml(r.Cell.Source, Markdown)) : $"<pre>{WebUtility.HtmlEncode(r.Cell.Source)}</pre>";
                body.Append("<div class=\"cell md\">").Append(prose).Append("</div>\n");
                continue;
            }
            body.Append($"<div class=\"cell code\" id=\"cell-{r.Number}\"><div class=\"count\">[{r.ExecutionCount}] {r.Elapsed.TotalSeconds:0.00} s</div>");
            body.Append("<pre class=\"src\"><code>").Append(WebUtility.HtmlEncode(r.Cell.Source)).Append("</code></pre>");
            foreach (var o in r.Outputs) body.Append("<div class=\"out\">").Append(Output(o)).Append("</div>");
            body.Append("</div>\n");
        }
        if (results.Count < totalCells)
            body.Append($"<p class=\"error\"><pre>The run stopped here: {totalCells - results.Count} later cell(s) were not executed.</pre></p>");
        var html = body.ToString();
        var plotly = html.Contains("Plotly") ? $"<script>{assets.PlotlyJs()}</script>" : "";
        return $$"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>{{WebUtility.HtmlEncode(title)}}</title>
            <style>{{Style}}</style><style>{{assets.KatexCss()}}</style>
            <script>{{assets.KatexJs()}}</script><script>{{assets.AutoRenderJs()}}</script>{{plotly}}
            </head><body>
            {{html}}
            <script>renderMathInElement(document.body,{delimiters:[{left:"\\[",right:"\\]",display:true},{left:"\\(",right:"\\)",display:false},{left:"$$",right:"$$",display:true}],throwOnError:false});</script>
            </body></html>
            """;
    }

    static string Output(CellOutput o)
    {
        if (o.Kind == "stream") return $"<pre class=\"stream\">{WebUtility.HtmlEncode(o.Text)}</pre>";
        if (o.Kind == "error") return $"<div class=\"error\"><pre>{WebUtility.HtmlEncode(o.Text)}</pre></div>";
        if (o.Data.TryGetValue("text/html", out var html)) return html;
        if (o.Data.TryGetValue("image/png", out var png)) return $"<img src=\"data:image/png;base64,{png}\">";
        return $"<pre class=\"stream\">{WebUtility.HtmlEncode(o.Data.GetValueOrDefault("text/plain", ""))}</pre>";
    }
}
