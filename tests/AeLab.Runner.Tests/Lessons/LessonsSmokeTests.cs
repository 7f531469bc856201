using System.Diagnostics;
using AeLab.Runner.Notebook;

namespace AeLab.Runner.Tests.Lessons;

/// <summary>Every lesson must run end to end in smoke mode: this keeps the course runnable.</summary>
public class LessonsSmokeTests
{
    [Fact]
    public void Every_notebook_runs_in_smoke_mode_without_a_cell_error()
    {
        var notebooks = Path.Combine(Repo.Root, "notebooks");
        var lessons = Directory.Exists(notebooks) ? Directory.GetFiles(notebooks, "*.dib") : Array.Empty<string>();
        if (lessons.Length == 0)
        {
            Console.WriteLine("no notebooks/*.dib yet: nothing to run");
            return;
        }
        Assert.True(Repo.LibraryBuilt, "lib/bin/AeLab.dll is missing: run `dotnet build lib/AeLab` first");
        var runner = typeof(LessonRunner).Assembly.Location;
        var outDir = Repo.TempDir();
        var psi = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { runner, "--smoke", "--out", outDir, notebooks },
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repo.Root,
        };
        psi.Environment.Remove("AELAB_EXERCISES");   // the lessons as shipped, in a learner's normal run
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"lesson smoke run failed (exit {p.ExitCode}):\n{output}\n{err.Result}");

        // The exercises as shipped hold placeholders: each check must say "not answered yet" (or "not yet"), never "right",
        // and show no hint before an attempt.
        var exercises = ExerciseOutputs.Read(outDir);
        foreach (var path in lessons)
            foreach (var id in Lesson.Load(path).Cells.Select(Lesson.ExerciseId).OfType<string>())
            {
                var name = Path.GetFileNameWithoutExtension(path);
                var text = Assert.Single(exercises[name], e => e.Id == id).Text;
                Assert.True(text.Contains($"○ {id} not answered yet") || text.Contains($"✗ {id} not yet"),
                    $"{name}: exercise {id} as shipped should report \"not answered yet\"; it printed:\n{text}");
                Assert.DoesNotContain($"✓ {id} right", text);
                Assert.False(text.Contains("Hint", StringComparison.Ordinal), $"{name}: exercise {id} as shipped shows a hint before any attempt:\n{text}");
            }
    }
}
