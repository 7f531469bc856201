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
        var run = RunnerRuns.Shipped;
        Assert.True(run.ExitCode == 0, $"lesson smoke run failed (exit {run.ExitCode}):\n{run.Output}");
        var outDir = run.OutDir;

        // What the kernel prints under a cell: no compiler warning or info (the tool's Jupyter front end shows them as stderr).
        NotebookOutputs.AssertNoCompilerDiagnostics(outDir, "of the runner's smoke run");

        // The exercises as shipped hold placeholders: each check must say "not answered yet" (or "not yet"), never "right",
        // and show no hint before an attempt.
        ExerciseOutputs.AssertNotAnswered(outDir, lessons);
    }
}
