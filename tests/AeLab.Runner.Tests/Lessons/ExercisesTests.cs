using AeLab.Runner.Notebook;

namespace AeLab.Runner.Tests.Lessons;

/// <summary>
/// The lessons' exercises and notebooks/solutions/ pair up one to one, and with the solutions filled in every check of
/// every lesson passes in strict mode (AELAB_EXERCISES=strict turns a check that is not right into an error).
/// </summary>
public class ExercisesTests
{
    static string Notebooks => Path.Combine(Repo.Root, "notebooks");
    static string Solutions => Path.Combine(Notebooks, "solutions");

    static IEnumerable<string> CourseLessons() =>
        Directory.GetFiles(Notebooks, "*.dib").Where(p => !Path.GetFileName(p).StartsWith("00-", StringComparison.Ordinal)).Order(StringComparer.Ordinal);

    static List<(string Id, Cell Cell)> Exercises(string path) =>
        Lesson.Load(path).Cells.Select(c => (Id: Lesson.ExerciseId(c), Cell: c)).Where(e => e.Id is not null).Select(e => (e.Id!, e.Cell)).ToList();

    // The check a cell ends with: from its first line that starts "Exercise.Check(" to the end.
    static string CheckCall(Cell cell)
    {
        var lines = cell.Source.Split('\n');
        int at = Array.FindIndex(lines, l => l.StartsWith("Exercise.Check(", StringComparison.Ordinal));
        return at < 0 ? "" : string.Join("\n", lines[at..]);
    }

    [Fact]
    public void Every_lesson_after_00_ends_with_two_to_four_exercises()
    {
        var lessons = CourseLessons().ToList();
        Assert.NotEmpty(lessons);
        foreach (var path in lessons)
        {
            var name = Path.GetFileNameWithoutExtension(path);
            var cells = Lesson.Load(path).Cells;
            int heading = cells.ToList().FindIndex(c => c.IsMarkdown && c.Source.StartsWith("## Exercises", StringComparison.Ordinal));
            Assert.True(heading >= 0, $"{name}: no \"## Exercises\" section");
            var ids = Exercises(path).Select(e => e.Id).ToList();
            Assert.InRange(ids.Count, 2, 4);
            Assert.Equal(Enumerable.Range(1, ids.Count).Select(i => $"{name[..2]}.{i}"), ids);
            // The section is the lesson's last: after its heading only exercise cells, their questions and the using line.
            Assert.All(cells.Skip(heading + 1), c => Assert.True(c.IsMarkdown || Lesson.ExerciseId(c) is not null || c.Source == "using AeLab.Exercises;",
                $"{name}: a cell after the exercises heading is neither an exercise nor its question: {c.Source.Split('\n')[0]}"));
            Assert.True(cells.Take(heading).All(c => Lesson.ExerciseId(c) is null), $"{name}: an exercise cell before the Exercises heading");
            // The section's introduction links the solutions page (the runner rewrites the link for the executed page).
            Assert.True(cells[heading].Source.Contains($"](solutions/{name}.dib)", StringComparison.Ordinal),
                $"{name}: the Exercises introduction does not link its solutions page, [solutions/{name}.dib](solutions/{name}.dib)");
            foreach (var (id, cell) in Exercises(path))
            {
                Assert.Contains("Exercise.Todo<", cell.Source);
                Assert.StartsWith($"Exercise.Check(\"{id}\"", CheckCall(cell));
                // The cell holds the task, the placeholder and the check: the hint comes from the library after an attempt.
                Assert.False(cell.Source.Contains("hint:", StringComparison.Ordinal), $"{name}: exercise {id} passes a hint; hints live in lib/AeLab/Exercises/Hints.cs");
            }
        }
    }

    [Fact]
    public void Every_exercise_has_exactly_one_solution_and_every_solution_an_exercise()
    {
        var lessons = CourseLessons().Select(p => Path.GetFileNameWithoutExtension(p)).ToHashSet();
        foreach (var file in Directory.GetFiles(Solutions, "*.dib"))
            Assert.True(lessons.Contains(Path.GetFileNameWithoutExtension(file)), $"{file} matches no lesson");
        foreach (var path in CourseLessons())
        {
            var name = Path.GetFileNameWithoutExtension(path);
            var file = Path.Combine(Solutions, name + ".dib");
            Assert.True(File.Exists(file), $"{name}: no solutions file {file}");
            var solved = Exercises(file);
            var asked = Exercises(path);
            Assert.Equal(asked.Select(e => e.Id).Order(), solved.Select(e => e.Id).Order());        // one to one, no duplicates
            Assert.Equal(solved.Count, solved.Select(e => e.Id).Distinct().Count());
            foreach (var (id, cell) in solved)
            {
                Assert.DoesNotContain("Exercise.Todo", cell.Source);
                // A solution fills in the answer; it keeps the lesson's check, word for word.
                Assert.Equal(CheckCall(asked.Single(e => e.Id == id).Cell), CheckCall(cell));
            }
            var replaced = Lesson.Load(path, Solutions);
            Assert.Equal(solved.Select(e => e.Cell.Source).Order(), replaced.Cells.Where(c => c.SourceFile is not null).Select(c => c.Source).Order());
        }
    }

    [Fact]
    public void Every_lesson_passes_every_check_with_the_solutions_in_strict_mode()
    {
        var run = RunnerRuns.Solved;
        Assert.True(run.ExitCode == 0, $"the lessons with their solutions failed (exit {run.ExitCode}):\n{run.Output}");
        var outDir = run.OutDir;
        NotebookOutputs.AssertNoCompilerDiagnostics(outDir, "of the runner's run with the solutions");
        ExerciseOutputs.AssertAllRight(outDir, CourseLessons());
    }
}
