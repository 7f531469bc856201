using System.Collections.Concurrent;
using System.Diagnostics;
using AeLab.Runner.Notebook;

namespace AeLab.Runner.Execution;

/// <summary>
/// Runs one lesson in its own kernel process (<see cref="KernelHost"/>, started in the notebook's folder) and turns
/// the messages it sends into cell results. The runner side enforces the per-cell timeout by ending the process.
/// </summary>
public sealed class LessonProcess(TimeSpan timeout, TextWriter log, string? solutions = null)
{
    public List<CellResult> Run(Lesson lesson)
    {
        var file = Path.GetFileName(lesson.Path);
        var results = new List<CellResult>();
        var psi = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(lesson.Path))!,
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
        };
        foreach (var a in new[] { typeof(LessonProcess).Assembly.Location, Program.KernelHostFlag, Path.GetFullPath(lesson.Path) })
            psi.ArgumentList.Add(a);
        if (solutions is not null) psi.ArgumentList.Add(Path.GetFullPath(solutions));
        using var process = Process.Start(psi)!;
        process.StandardInput.Close();
        var lines = new BlockingCollection<string?>();
        var stderrTail = new Queue<string>();
        _ = Task.Run(() => { while (process.StandardOutput.ReadLine() is { } l) lines.Add(l); lines.Add(null); });
        var readErr = Task.Run(() =>
        {
            while (process.StandardError.ReadLine() is { } l)
                lock (stderrTail) { stderrTail.Enqueue(l); if (stderrTail.Count > 30) stderrTail.Dequeue(); }
        });

        int count = 0, next = 0;
        CellResult? running = null;
        var clock = new Stopwatch();
        void Through(int number)   // markdown (and other) cells before a code cell are part of the run
        {
            while (next < number)
            {
                var cell = lesson.Cells[next++];
                results.Add(new CellResult { Cell = cell, Number = next, ExecutionCount = cell.IsCode ? ++count : null });
            }
        }
        CellResult? NextCodeCell()   // the kernel went silent outside a cell: blame the first code cell not yet run
        {
            int index = Enumerable.Range(next, lesson.Cells.Count - next).FirstOrDefault(i => lesson.Cells[i].IsCode, -1);
            if (index < 0) return null;
            Through(index);
            var r = new CellResult { Cell = lesson.Cells[index], Number = index + 1, ExecutionCount = ++count };
            results.Add(r);
            next = index + 1;
            return r;
        }
        void Fail(CellResult r, string error)
        {
            r.Error = error;
            r.Outputs.Add(new CellOutput { Kind = "error", Text = error, Data = { ["ename"] = "Error" } });
        }
        try
        {
            while (true)
            {
                var wait = running is null ? timeout : timeout - clock.Elapsed;
                if (!lines.TryTake(out var line, wait < TimeSpan.Zero ? TimeSpan.Zero : wait))
                {
                    var r = running ?? NextCodeCell();
                    if (r is null) break;
                    Fail(r, $"{file}, cell {r.Number}: the cell did not finish within {timeout.TotalSeconds:0} s (raise it with --timeout SECONDS)");
                    r.Elapsed = clock.Elapsed;
                    Report(r);
                    break;
                }
                if (line is null)
                {
                    process.WaitForExit();
                    readErr.Wait();
                    if (running is not null)
                    {
                        string tail; lock (stderrTail) tail = string.Join("\n", stderrTail);
                        Fail(running, $"{file}, cell {running.Number}: the kernel process ended (exit code {process.ExitCode}) while the cell ran" +
                                      (tail.Length > 0 ? ":\n" + tail : ""));
                        running.Elapsed = clock.Elapsed;
                        Report(running);
                    }
                    break;
                }
                var m = Message.FromLine(line);
                if (m is null) { log.WriteLine("       | " + line); continue; }
                switch (m.T)
                {
                    case "start":
                        Through(m.Cell - 1);
                        running = new CellResult { Cell = lesson.Cells[m.Cell - 1], Number = m.Cell, ExecutionCount = ++count };
                        next = m.Cell;
                        results.Add(running);
                        clock.Restart();
                        break;
                    case "stream" when running is not null:
                        if (running.Outputs.LastOrDefault() is { Kind: "stream" } last && last.Data.GetValueOrDefault("name", "stdout") == (m.Name ?? "stdout"))
                            last.Text += m.Text;
                        else
                            running.Outputs.Add(new CellOutput { Kind = "stream", Text = m.Text ?? "", Data = { ["name"] = m.Name ?? "stdout" } });
                        break;
                    case "display" when running is not null:
                        running.Outputs.Add(new CellOutput { Kind = "display_data", Data = m.Data ?? new(), DisplayId = m.Id });
                        break;
                    case "update" when running is not null:
                        // In place when an output has that id; otherwise the front end appends it, and so do we.
                        var shown = results.SelectMany(r => r.Outputs).LastOrDefault(o => o.DisplayId == m.Id);
                        if (shown is not null) shown.Data = m.Data ?? new();
                        else running.Outputs.Add(new CellOutput { Kind = "display_data", Data = m.Data ?? new(), DisplayId = m.Id });
                        break;
                    case "result" when running is not null:
                        running.Outputs.Add(new CellOutput { Kind = "execute_result", Data = m.Data ?? new() });
                        break;
                    case "error" when running is not null:
                        Fail(running, Describe(m.Text ?? "", file, running));
                        break;
                    case "end" when running is not null:
                        running.Elapsed = clock.Elapsed;
                        if (!m.Ok && running.Error is null) Fail(running, $"{file}, cell {running.Number}: the cell failed");
                        Report(running);
                        running = null;
                        break;
                }
                if (results.LastOrDefault()?.Error is not null && running is null) break;
            }
            if (results.All(r => r.Error is null)) Through(lesson.Cells.Count);
        }
        finally
        {
            if (!process.HasExited) { try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } }
            process.WaitForExit();
        }
        return results;
    }

    void Report(CellResult r)
    {
        log.WriteLine($"  [{r.Number,2}] {r.Elapsed.TotalSeconds,7:0.00} s  {(r.Error is null ? "ok" : "FAILED")}");
        if (r.Error is not null) log.WriteLine(string.Join("\n", r.Error.Split('\n').Select(l => "       " + l)));
    }

    /// <summary>The kernel's failure as "lesson, cell, line (file line)": compile errors carry their line; exceptions carry the cell's lines.</summary>
    static string Describe(string failure, string file, CellResult r)
    {
        var (kind, body) = failure.IndexOf('\n') is var n and >= 0 ? (failure[..n], failure[(n + 1)..]) : (failure, "");
        var cell = r.Cell;
        if (cell.SourceFile is { } solution) file = $"{file} (cell from {Path.GetFileName(Path.GetDirectoryName(solution))}/{Path.GetFileName(solution)})";
        if (kind == "diagnostics")
            return string.Join("\n", body.Split('\n').Select(d =>
            {
                var tab = d.IndexOf('\t');
                var line = int.Parse(d[..tab]) + 1;
                return $"{file}, cell {r.Number}, line {line} (file line {cell.FirstLine + line - 1}): {d[(tab + 1)..]}";
            }));
        return $"{file}, cell {r.Number} (file lines {cell.FirstLine}–{cell.LastLine}): {body}";
    }

    /// <summary>The dotnet host running this process (a test host or the runner), so the kernel process uses the same SDK.</summary>
    static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}
