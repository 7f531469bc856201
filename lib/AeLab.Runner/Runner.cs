using System.Diagnostics;
using AeLab.Runner.Execution;
using AeLab.Runner.Notebook;
using AeLab.Runner.Report;

namespace AeLab.Runner;

/// <summary>Runs notebooks one after another, each in its own kernel process, and writes out/&lt;name&gt;.html and .ipynb.</summary>
public sealed class LessonRunner(string outDir, TimeSpan timeout, TextWriter log)
{
    /// <summary>Runs one notebook; returns true when every cell succeeded.</summary>
    public bool Run(string path)
    {
        var clock = Stopwatch.StartNew();
        log.WriteLine(Path.GetFileName(path));
        var lesson = Lesson.Load(path);
        var results = new LessonProcess(timeout, log).Run(lesson);
        Directory.CreateDirectory(outDir);
        var assets = new Assets(Assets.FindRunnerDir());
        File.WriteAllText(Path.Combine(outDir, lesson.Name + ".html"), HtmlReport.Render(lesson.Name, results, lesson.Cells.Count, assets));
        File.WriteAllText(Path.Combine(outDir, lesson.Name + ".ipynb"), IpynbReport.Render(lesson, results));
        var failed = results.FirstOrDefault(r => r.Error is not null);
        log.WriteLine($"{Path.GetFileName(path)}: {(failed is null ? "ok" : $"FAILED at cell {failed.Number}")} in {clock.Elapsed.TotalSeconds:0.0} s -> {Path.Combine(outDir, lesson.Name)}.html/.ipynb");
        return failed is null;
    }
}
