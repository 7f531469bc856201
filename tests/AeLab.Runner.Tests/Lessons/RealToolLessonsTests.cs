using AeLab.Runner.Notebook;
using AeLab.Runner.Report;
using AeLab.Runner.Tests.RealTool;

namespace AeLab.Runner.Tests.Lessons;

/// <summary>
/// Every lesson in smoke mode in what learners start: the dotnet-interactive tool itself (not the kernel packages the
/// runner hosts), driven as Jupyter Notebook drives it (Jupyter's nbclient, the tool's kernelspec, one kernel per
/// lesson), from the committed jupyter/*.ipynb copies. Held to the runner's standards: every cell runs without an error,
/// the pictures the runner's run shows are there (image/png, in the same cells), no output holds a compiler diagnostic,
/// each live display is one output updated in place, and the exercises report as in the runner's tests: "not answered
/// yet" as shipped, all right with notebooks/solutions under AELAB_EXERCISES=strict.
/// </summary>
public class RealToolLessonsTests
{
    static string Notebooks => Path.Combine(Repo.Root, "notebooks");

    static List<string> Lessons() => Directory.GetFiles(Notebooks, "*.dib").Order(StringComparer.Ordinal).ToList();

    [Fact]
    public void Every_lesson_runs_in_the_dotnet_interactive_tool_as_shipped()
    {
        Assert.True(Repo.LibraryBuilt, "lib/bin/AeLab.dll is missing: run `bash lib/setup.sh` first");
        var lessons = Lessons();
        // The copies a learner opens in Jupyter; JupyterCopyTests keeps them equal to the .dib files.
        var notebooks = lessons.Select(l => Path.Combine(DotnetInteractive.KernelFolder, Path.GetFileNameWithoutExtension(l) + ".ipynb")).ToList();
        Assert.All(notebooks, n => Assert.True(File.Exists(n), $"{n} is missing: `AeLab.Runner --ipynb jupyter` writes it"));
        var outDir = Repo.TempDir();
        // AELAB_TRAIN: every model trains (in smoke mode: into the smoke checkpoints), as on a fresh clone, whatever ran
        // before; so the training cells' live progress and pictures are there to check.
        var runs = Run(notebooks, outDir, new Dictionary<string, string?> { ["AELAB_SMOKE"] = "1", ["AELAB_TRAIN"] = "1", ["AELAB_EXERCISES"] = null });
        Check(runs, lessons, solutions: null, RunnerRuns.Shipped);
        ExerciseOutputs.AssertNotAnswered(outDir, lessons);
    }

    [Fact]
    public void Every_lesson_passes_every_check_with_the_solutions_in_the_dotnet_interactive_tool()
    {
        Assert.True(Repo.LibraryBuilt, "lib/bin/AeLab.dll is missing: run `bash lib/setup.sh` first");
        var lessons = Lessons();
        // The lessons with their exercise cells replaced by the solutions, as the runner's --solutions does (Lesson.Load).
        var solved = Repo.TempDir();
        var notebooks = lessons.Select(l => JupyterCopy.Write(l, solved, RunnerRuns.Solutions)).ToList();
        var outDir = Repo.TempDir();
        // AELAB_TRAIN here too: a training cell shows its live pictures only when it trains, and whether the runner's run
        // of a lesson trained or loaded depends on which run wrote the smoke checkpoint first; training shows them all.
        var runs = Run(notebooks, outDir, new Dictionary<string, string?> { ["AELAB_SMOKE"] = "1", ["AELAB_TRAIN"] = "1", ["AELAB_EXERCISES"] = "strict" });
        Check(runs, lessons, RunnerRuns.Solutions, RunnerRuns.Solved);
        ExerciseOutputs.AssertAllRight(outDir, lessons.Where(l => !Path.GetFileName(l).StartsWith("00-", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_learners_mistakes_come_back_as_exceptions_in_the_dotnet_interactive_tool_and_the_session_lives_on()
    {
        Assert.True(Repo.LibraryBuilt, "lib/bin/AeLab.dll is missing: run `bash lib/setup.sh` first");
        // The fixture references the library from the fixtures folder; the tool's kernel runs in the Jupyter folder.
        var dir = Repo.TempDir();
        var dib = Path.Combine(dir, "mistakes.dib");
        File.WriteAllText(dib, File.ReadAllText(Repo.Fixture("mistakes.dib")).Replace("#r \"../../../lib/bin/AeLab.dll\"", "#r \"../lib/bin/AeLab.dll\""));
        var run = Assert.Single(DotnetInteractive.Execute([JupyterCopy.Write(dib, dir)], Repo.TempDir(), new Dictionary<string, string?>(), TextWriter.Null));
        Assert.True(run.Ok, $"{run.Error}\n{run.KernelLogTail()}");
        AeLab.Runner.Tests.Execution.Mistakes.Check(NotebookOutputs.Read(run.Ipynb)
            .Select(c => string.Concat(c.Outputs.Where(o => o.Type == "stream").Select(o => o.Text)).Trim()).ToList());
    }

    [Fact]
    public void A_cell_that_outlasts_its_timeout_in_the_tool_ends_the_lesson_with_a_message_naming_the_cell()
    {
        var dir = Repo.TempDir();
        var dib = Path.Combine(dir, "slow.dib");
        File.WriteAllText(dib, "#!csharp\n\n1 + 1\n\n#!csharp\n\nSystem.Threading.Thread.Sleep(120_000);\n\n#!csharp\n\n\"never runs\"\n");
        var notebook = JupyterCopy.Write(dib, dir);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var run = Assert.Single(DotnetInteractive.Execute([notebook], Repo.TempDir(), new Dictionary<string, string?>(), TextWriter.Null,
            cellTimeout: TimeSpan.FromSeconds(10)));
        Assert.False(run.Ok);
        Assert.Equal(1, run.Cell);
        Assert.StartsWith("a cell did not finish within 10 s", run.Error);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"took {clock.Elapsed}");
        var cells = NotebookOutputs.Read(run.Ipynb);
        Assert.Equal(1, cells[0].ExecutionCount);
        Assert.Null(cells[2].ExecutionCount);
    }

    static List<DotnetInteractive.NotebookRun> Run(List<string> notebooks, string outDir, Dictionary<string, string?> environment)
    {
        foreach (var v in new[] { "AELAB_TRAIN", "AELAB_SHIPPED", "AELAB_EXPORT_WEIGHTS", "AELAB_SEED" }) environment.TryAdd(v, null);
        var runs = DotnetInteractive.Execute(notebooks, outDir, environment, Console.Out);
        Console.WriteLine("in the dotnet-interactive tool through Jupyter's client: " +
                          string.Join(", ", runs.Select(r => $"{r.Name[..2]} {r.Seconds:0.0} s")) + $"; {runs.Sum(r => r.Seconds):0} s in all");
        return runs;
    }

    static void Check(List<DotnetInteractive.NotebookRun> runs, List<string> lessons, string? solutions, RunnerRuns.Run runner)
    {
        var problems = new List<string>();
        int updates = 0;
        foreach (var (run, path) in runs.Zip(lessons))
        {
            var lesson = Lesson.Load(path, solutions);
            string Where(int index) => lesson.Cells[index] is var c && c.SourceFile is { } s
                ? $"cell {index + 1} (from {Path.GetFileName(Path.GetDirectoryName(s))}/{Path.GetFileName(s)}, line {c.FirstLine})"
                : $"cell {index + 1} ({Path.GetFileName(path)} line {lesson.Cells[index].FirstLine})";
            if (!run.Ok)
            {
                var at = run.Cell is { } i ? Where(i) : "before its first cell";
                problems.Add($"{run.Name}: failed at {at}: {Shorten(run.Error)}\nthe kernel process's last lines:\n{run.KernelLogTail()}");
                continue;
            }
            var cells = NotebookOutputs.Read(run.Ipynb);
            foreach (var c in cells.Where(c => c.ExecutionCount is null)) problems.Add($"{run.Name}: {Where(c.Index)} did not run");
            foreach (var c in cells.Where(c => c.Outputs.Any(o => o.Type == "error"))) problems.Add($"{run.Name}: {Where(c.Index)} shows an error");
            problems.AddRange(NotebookOutputs.Diagnostics(run.Ipynb).Select(d => $"{run.Name}: compiler diagnostic in {d}"));

            // Pictures: wherever the runner's run of the same lesson shows one, the tool shows one too.
            var expected = NotebookOutputs.PictureCells(runner.Ipynb(run.Name));
            var shown = NotebookOutputs.PictureCells(run.Ipynb);
            foreach (var i in expected.Except(shown)) problems.Add($"{run.Name}: {Where(i)} shows no picture (image/png), the runner's run does");

            // Live displays: every update targets a display this lesson showed, and no display id is shown twice
            // (a progress line or live picture is one output updated in place, not a new output per update).
            var displayed = new HashSet<string>();
            foreach (var d in run.Displays)
            {
                if (d.Type == "update_display_data")
                {
                    updates++;
                    if (d.Id is null || !displayed.Contains(d.Id))
                        problems.Add($"{run.Name}: {Where(d.Cell)} updates display '{d.Id}', which was never shown (the update is lost in Jupyter)");
                }
                else if (d.Type == "display_data" && d.Id is not null && !displayed.Add(d.Id))
                    problems.Add($"{run.Name}: {Where(d.Cell)} shows display '{d.Id}' a second time");
            }
        }
        Assert.True(problems.Count == 0, $"{problems.Count} problem(s) in the dotnet-interactive tool:\n" + string.Join("\n", problems));
        Assert.True(updates > 0, "no lesson updated a display in place: the live-progress check saw nothing to check");
    }

    static string Shorten(string? text)
    {
        var lines = (text ?? "").Split('\n');
        return lines.Length <= 40 ? string.Join("\n", lines) : string.Join("\n", lines.Take(40)) + $"\n... ({lines.Length - 40} more lines)";
    }
}
