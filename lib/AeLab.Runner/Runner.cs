using System.Diagnostics;
using AeLab.Runner.Execution;
using AeLab.Runner.Notebook;
using AeLab.Runner.Report;

namespace AeLab.Runner;

/// <summary>Runs notebooks one after another, each in its own kernel process, and writes out/&lt;name&gt;.html and .ipynb.</summary>
public sealed class LessonRunner(string outDir, TimeSpan timeout, TextWriter log)
{
    /// <summary>
    /// Runs one notebook; returns true when every cell succeeded. With <paramref name="solutions"/> (a folder), its
    /// exercise cells run with their solutions (see <see cref="Lesson.Load"/>).
    /// </summary>
    public bool Run(string path, string? solutions = null)
    {
        var clock = Stopwatch.StartNew();
        log.WriteLine(Path.GetFileName(path));
        Lesson lesson;
        try { lesson = Lesson.Load(path, solutions); }
        catch (SolutionException e)
        {
            log.WriteLine($"{Path.GetFileName(path)}: FAILED: {e.Message}");
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A lesson deleted, moved or unreadable since the runner listed it: report it and go on with the others.
            log.WriteLine($"{Path.GetFileName(path)}: FAILED: cannot read {Path.GetFullPath(path)}: {e.Message}");
            return false;
        }
        var results = new LessonProcess(timeout, log, solutions).Run(lesson);
        Directory.CreateDirectory(outDir);
        var assets = new Assets(Assets.FindRunnerDir());
        File.WriteAllText(Path.Combine(outDir, lesson.Name + ".html"), HtmlReport.Render(lesson.Name, results, lesson.Cells.Count, assets));
        File.WriteAllText(Path.Combine(outDir, lesson.Name + ".ipynb"), IpynbReport.Render(lesson, results));
        var failed = results.FirstOrDefault(r => r.Error is not null);
        log.WriteLine($"{Path.GetFileName(path)}: {(failed is null ? "ok" : $"FAILED at cell {failed.Number}")} in {clock.Elapsed.TotalSeconds:0.0} s -> {Path.Combine(outDir, lesson.Name)}.html/.ipynb");
        return failed is null;
    }
}
