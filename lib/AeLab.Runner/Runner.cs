using System.Diagnostics;
using AeLab.Runner.Execution;
using AeLab.Runner.Notebook;
using AeLab.Runner.Report;

namespace AeLab.Runner;

/// <summary>Runs notebooks one after another and writes out/&lt;name&gt;.html and .ipynb for each.</summary>
public sealed class LessonRunner(string outDir, TimeSpan timeout, TextWriter log)
{
    /// <summary>Runs one notebook; returns true when every cell succeeded.</summary>
    public bool Run(string path)
    {
        var name = Path.GetFileNameWithoutExtension(path);
        var clock = Stopwatch.StartNew();
        log.WriteLine($"{Path.GetFileName(path)}");
        var cells = Dib.Parse(File.ReadAllText(path));
        var results = new NotebookExecutor(timeout, log).Run(path, cells);
        Directory.CreateDirectory(outDir);
        var assets = new Assets(Assets.FindRunnerDir());
        File.WriteAllText(Path.Combine(outDir, name + ".html"), HtmlReport.Render(name, results, cells.Count, assets));
        File.WriteAllText(Path.Combine(outDir, name + ".ipynb"), IpynbReport.Render(cells, results));
        var failed = results.FirstOrDefault(r => r.Error is not null);
        log.WriteLine($"{Path.GetFileName(path)}: {(failed is null ? "ok" : $"FAILED at cell {failed.Number}")} in {clock.Elapsed.TotalSeconds:0.0} s -> {Path.Combine(outDir, name)}.html/.ipynb");
        return failed is null;
    }
}
