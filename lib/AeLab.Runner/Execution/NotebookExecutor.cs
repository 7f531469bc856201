using System.Diagnostics;
using System.Text.RegularExpressions;
using AeLab.Runner.Notebook;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;

namespace AeLab.Runner.Execution;

/// <summary>Runs the C# cells of one notebook in a single script state, as the C# kernel does.</summary>
public sealed class NotebookExecutor
{
    static readonly string[] DefaultImports =
    {
        "System", "System.IO", "System.Linq", "System.Text", "System.Collections.Generic",
        "System.Threading.Tasks", "System.Threading",
    };

    readonly TimeSpan timeout;
    readonly TextWriter progress;
    readonly object gate = new();
    CellResult? current;
    StringWriter? currentConsole;

    public NotebookExecutor(TimeSpan timeout, TextWriter progress)
    {
        this.timeout = timeout;
        this.progress = progress;
    }

    /// <summary>Executes every cell; stops at the first failing cell. Returns the results of the cells run.</summary>
    public List<CellResult> Run(string path, IReadOnlyList<Cell> cells)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var name = Path.GetFileName(path);
        var oldDir = Directory.GetCurrentDirectory();
        var oldOut = Console.Out; var oldErr = Console.Error;
        Directory.SetCurrentDirectory(dir);
        var globals = new ScriptGlobals { Show = v => Show(v) };
        AppContext.SetData("AeLab.Display.Host", (Func<object, Action<object>>)(v => { var h = Show(v); return x => h.Update(x); }));
        var options = ScriptOptions.Default
            .WithImports(DefaultImports)
            .AddReferences(FrameworkReferences())
            .WithMetadataResolver(ScriptMetadataResolver.Default.WithBaseDirectory(dir))
            .WithSourceResolver(new SourceFileResolver(ImmutableArrayOf<string>(), dir))
            .WithEmitDebugInformation(true)
            .WithFileEncoding(System.Text.Encoding.UTF8)
            .WithAllowUnsafe(true)
            .WithLanguageVersion(Microsoft.CodeAnalysis.CSharp.LanguageVersion.Preview);
        var results = new List<CellResult>();
        ScriptState<object>? state = null;
        int number = 0, count = 0;
        try
        {
            foreach (var cell in cells)
            {
                number++;
                var result = new CellResult { Cell = cell, Number = number, ExecutionCount = cell.IsCode ? ++count : null };
                results.Add(result);
                if (!cell.IsCode) continue;
                var console = new StringWriter();
                Console.SetOut(console); Console.SetError(console);
                lock (gate) { current = result; currentConsole = console; }
                var clock = Stopwatch.StartNew();
                try
                {
                    var (code, timeIt) = Magics(cell);
                    var file = $"{name} cell {number}";
                    var cellOptions = options.WithFilePath(file);
                    // On the thread pool: a cell runs synchronously until its first await, and the timeout must hold anyway.
                    var previous = state;
                    var task = Task.Run(() => previous is null
                        ? CSharpScript.RunAsync(code, cellOptions, globals, typeof(ScriptGlobals))
                        : previous.ContinueWithAsync(code, cellOptions));
                    if (!task.Wait(timeout))
                        throw new TimeoutException($"the cell did not finish within {timeout.TotalSeconds:0} s (raise it with --timeout SECONDS)");
                    state = task.Result;
                    if (state.Exception is { } thrown) throw thrown;
                    Flush(result, console);
                    if (state.ReturnValue is { } value)
                        lock (gate) result.Outputs.Add(new CellOutput { Kind = "execute_result", Data = Formatting.Bundle(value) });
                    if (timeIt) lock (gate) result.Outputs.Add(new CellOutput { Kind = "stream", Text = $"Wall time: {clock.Elapsed.TotalMilliseconds:0.###}ms\n" });
                }
                catch (Exception e)
                {
                    Flush(result, console);
                    var inner = e is AggregateException { InnerExceptions.Count: 1 } a ? a.InnerException! : e;
                    result.Error = Describe(inner, name, cell, number);
                    lock (gate) result.Outputs.Add(new CellOutput { Kind = "error", Text = result.Error, Data = { ["ename"] = inner.GetType().Name } });
                }
                result.Elapsed = clock.Elapsed;
                lock (gate) { current = null; currentConsole = null; }
                Console.SetOut(oldOut); Console.SetError(oldErr);
                progress.WriteLine($"  [{number,2}] {result.Elapsed.TotalSeconds,7:0.00} s  {(result.Error is null ? "ok" : "FAILED")}");
                if (result.Error is not null) { progress.WriteLine(Indent(result.Error)); break; }
            }
        }
        finally
        {
            Console.SetOut(oldOut); Console.SetError(oldErr);
            Directory.SetCurrentDirectory(oldDir);
        }
        return results;
    }

    /// <summary>
    /// The whole shared framework, as the kernel references it: ScriptOptions.Default alone depends on what
    /// the host happened to load (a test host lacks System.Linq, for instance).
    /// </summary>
    static IEnumerable<string> FrameworkReferences()
    {
        var frameworkDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var tpa = (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? "").Split(Path.PathSeparator);
        return tpa.Where(p => Path.GetDirectoryName(p) == frameworkDir && !Path.GetFileName(p).StartsWith("Microsoft.VisualBasic"))
                  .Append(typeof(Microsoft.DotNet.Interactive.Formatting.Formatter).Assembly.Location);
    }

    static System.Collections.Immutable.ImmutableArray<T> ImmutableArrayOf<T>() => System.Collections.Immutable.ImmutableArray<T>.Empty;

    static string Indent(string s) => string.Join("\n", s.Split('\n').Select(l => "       " + l));

    void Flush(CellResult result, StringWriter console)
    {
        lock (gate)
        {
            var text = console.ToString();
            console.GetStringBuilder().Clear();
            if (text.Length == 0) return;
            if (result.Outputs.LastOrDefault() is { Kind: "stream" } last) last.Text += text;
            else result.Outputs.Add(new CellOutput { Kind = "stream", Text = text });
        }
    }

    DisplayedValue Show(object? value)
    {
        CellOutput output;
        lock (gate)
        {
            if (current is null) throw new InvalidOperationException("display(...) was called outside a running cell.");
            // Console text written before this display stays before it.
            if (currentConsole is { } sw) Flush(current, sw);
            output = new CellOutput { Kind = "display_data", Data = Formatting.Bundle(value) };
            current.Outputs.Add(output);
        }
        return new DisplayedValue(v => { var data = Formatting.Bundle(v); lock (gate) output.Data = data; });
    }

    /// <summary>Handles magic command lines: #!time is honoured; anything the runner cannot honour is an error.</summary>
    static (string code, bool timeIt) Magics(Cell cell)
    {
        var lines = cell.Source.Split('\n');
        bool timeIt = false;
        for (int i = 0; i < lines.Length; i++)
        {
            var t = lines[i].Trim();
            if (t.StartsWith("#!"))
            {
                var magic = t.Split(' ', 2)[0];
                if (magic == "#!time") { timeIt = true; lines[i] = ""; continue; }
                throw new NotSupportedException($"line {cell.FirstLine + i}: the magic command '{magic}' is not supported by the headless runner (supported: #!time).");
            }
            if (Regex.IsMatch(t, "^#r\\s+\"nuget:", RegexOptions.IgnoreCase))
                throw new NotSupportedException($"line {cell.FirstLine + i}: '#r \"nuget:...\"' is not supported by the headless runner; reference the built library instead: #r \"../lib/bin/AeLab.dll\".");
        }
        return (string.Join("\n", lines), timeIt);
    }

    /// <summary>Error text naming the notebook, the cell and the line (in the cell and in the file).</summary>
    static string Describe(Exception e, string notebook, Cell cell, int number)
    {
        if (e is CompilationErrorException ce)
        {
            var lines = ce.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d =>
            {
                var line = d.Location.GetLineSpan().StartLinePosition.Line;
                return $"{notebook}, cell {number}, line {line + 1} (file line {cell.FirstLine + line}): {d.Id}: {d.GetMessage()}";
            });
            return string.Join("\n", lines);
        }
        var m = Regex.Match(e.StackTrace ?? "", Regex.Escape($"{notebook} cell {number}") + @":line (\d+)");
        var where = m.Success
            ? $"{notebook}, cell {number}, line {m.Groups[1].Value} (file line {cell.FirstLine + int.Parse(m.Groups[1].Value) - 1})"
            : $"{notebook}, cell {number}";
        return $"{where}: {e.GetType().FullName}: {e.Message}\n{e.StackTrace}";
    }
}
