using AeLab.Runner.Notebook;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;

namespace AeLab.Runner.Execution;

/// <summary>
/// The kernel process: runs one lesson's C# cells in order as <c>SubmitCode</c> commands, in the notebook's
/// folder, and reports every kernel event of a cell to the runner (<see cref="Message"/>). Stops at the first failing cell.
/// </summary>
public static class KernelHost
{
    public static async Task<int> RunAsync(string path, string? solutions = null)
    {
        // The raw stream, not Console.Out: the kernel redirects Console while a cell runs.
        var channel = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };
        var send = (Message m) => { lock (channel) channel.WriteLine(m.ToLine()); };
        var lesson = Lesson.Load(path, solutions);
        Directory.SetCurrentDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var kernel = KernelSetup.Create();
        int current = 0;
        var diagnostics = new List<string>();
        using var _ = kernel.KernelEvents.Subscribe(new Observer(e =>
        {
            if (current == 0) return;
            switch (e)
            {
                case DisplayedValueUpdated u:
                    send(new Message { T = "update", Cell = current, Id = u.ValueId, Data = Bundle(u.FormattedValues) }); break;
                case DisplayedValueProduced d:
                    send(new Message { T = "display", Cell = current, Id = d.ValueId, Data = Bundle(d.FormattedValues) }); break;
                case ReturnValueProduced r:
                    send(new Message { T = "result", Cell = current, Data = Bundle(r.FormattedValues) }); break;
                case StandardOutputValueProduced o:
                    send(new Message { T = "stream", Cell = current, Name = "stdout", Text = PlainText(o.FormattedValues) }); break;
                case StandardErrorValueProduced o:
                    send(new Message { T = "stream", Cell = current, Name = "stderr", Text = PlainText(o.FormattedValues) }); break;
                case DiagnosticsProduced p:
                    foreach (var d in p.Diagnostics.Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error))
                        diagnostics.Add($"{d.LinePositionSpan.Start.Line}\t{d.Code}: {d.Message}");
                    // Warnings and infos reach the learner as the tool's Jupyter front end shows them: as stderr, spaced
                    // out (its ExecuteRequestHandler). Errors go into the failure report instead, with their file lines.
                    var shown = p.Diagnostics.Zip(p.FormattedDiagnostics)
                        .Where(x => x.First.Severity != Microsoft.CodeAnalysis.DiagnosticSeverity.Error).Select(x => x.Second.Value).ToList();
                    if (shown.Count > 0)
                        send(new Message { T = "stream", Cell = current, Name = "stderr", Text = "\n" + string.Join("\n\n", shown) + "\n\n" });
                    break;
                case ErrorProduced x:
                    send(new Message { T = "stream", Cell = current, Name = "stderr", Text = x.Message + "\n" }); break;
                case CommandFailed f:
                    send(new Message { T = "error", Cell = current, Name = f.Exception?.GetType().FullName, Text = Failure(f, diagnostics) }); break;
            }
        }));
        for (int i = 0; i < lesson.Cells.Count; i++)
        {
            var cell = lesson.Cells[i];
            if (!cell.IsCode) continue;
            diagnostics.Clear();
            current = i + 1;
            send(new Message { T = "start", Cell = current });
            var result = await kernel.SendAsync(new SubmitCode(cell.Source, "csharp"));
            var ok = result.Events.LastOrDefault() is CommandSucceeded;
            send(new Message { T = "end", Cell = current, Ok = ok });
            current = 0;
            if (!ok) return 1;
        }
        return 0;
    }

    /// <summary>Compile errors as "LINE\tCODE: message" lines (0-based line in the cell); anything else as the exception.</summary>
    static string Failure(CommandFailed f, List<string> diagnostics)
    {
        if (diagnostics.Count > 0) return "diagnostics\n" + string.Join("\n", diagnostics);
        if (f.Exception is { } e && f.Exception is not CodeSubmissionCompilationErrorException)
            return $"exception\n{e.GetType().FullName}: {e.Message}\n{e.StackTrace}";
        return "message\n" + f.Message;
    }

    static Dictionary<string, string> Bundle(IReadOnlyCollection<FormattedValue> values) =>
        values.GroupBy(v => v.MimeType).ToDictionary(g => g.Key, g => g.First().Value);

    static string PlainText(IReadOnlyCollection<FormattedValue> values) =>
        values.FirstOrDefault(v => v.MimeType == PlainTextFormatter.MimeType)?.Value ?? values.FirstOrDefault()?.Value ?? "";

    sealed class Observer(Action<KernelEvent> next) : IObserver<KernelEvent>
    {
        public void OnNext(KernelEvent value) => next(value);
        public void OnError(Exception error) { }
        public void OnCompleted() { }
    }
}
