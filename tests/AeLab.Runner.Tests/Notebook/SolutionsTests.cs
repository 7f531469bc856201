using AeLab.Runner.Notebook;

namespace AeLab.Runner.Tests.Notebook;

// Lesson.Load(path, solutions): cells whose first line is "// exercise ID" are replaced by the solution cell with the
// same marker; anything that does not pair up is an error naming the lesson and the exercise.
public class SolutionsTests
{
    const string Lesson =
        "#!meta\n\n{\"kernelInfo\":{\"defaultKernelName\":\"csharp\"}}\n\n" +
        "#!csharp\n\nvar x = 1;\n\n" +
        "#!markdown\n\n## Exercises\n\n" +
        "#!csharp\n\n// exercise 99.1\ndouble a = Exercise.Todo<double>();\nExercise.Check(\"99.1\", a, 2.0)\n\n" +
        "#!csharp\n\n// exercise 99.2\nlong b = Exercise.Todo<long>();\nExercise.Check(\"99.2\", b, 3L)\n";

    const string Solutions =
        "#!markdown\n\nSolutions of lesson 99.\n\n" +
        "#!csharp\n\n// exercise 99.2\nlong b = 3;\nExercise.Check(\"99.2\", b, 3L)\n\n" +
        "#!csharp\n\n// exercise 99.1\ndouble a = 2.0;\nExercise.Check(\"99.1\", a, 2.0)\n";

    static (string Lesson, string Solutions) Write(string lesson, string? solutions)
    {
        var dir = Repo.TempDir();
        var path = Path.Combine(dir, "99-test.dib");
        File.WriteAllText(path, lesson);
        var folder = Path.Combine(dir, "solutions");
        Directory.CreateDirectory(folder);
        if (solutions is not null) File.WriteAllText(Path.Combine(folder, "99-test.dib"), solutions);
        return (path, folder);
    }

    [Fact]
    public void Marked_cells_are_replaced_by_the_solution_with_the_same_marker()
    {
        var (path, folder) = Write(Lesson, Solutions);
        var shipped = AeLab.Runner.Notebook.Lesson.Load(path);
        var solved = AeLab.Runner.Notebook.Lesson.Load(path, folder);
        Assert.Equal(shipped.Cells.Count, solved.Cells.Count);
        Assert.Equal(["99.1", "99.2"], shipped.Cells.Select(AeLab.Runner.Notebook.Lesson.ExerciseId).OfType<string>());
        Assert.Equal(shipped.Cells[0], solved.Cells[0]);
        Assert.Equal(shipped.Cells[1], solved.Cells[1]);
        Assert.Equal("// exercise 99.1\ndouble a = 2.0;\nExercise.Check(\"99.1\", a, 2.0)", solved.Cells[2].Source);
        Assert.Equal("// exercise 99.2\nlong b = 3;\nExercise.Check(\"99.2\", b, 3L)", solved.Cells[3].Source);
        Assert.Equal(Path.Combine(folder, "99-test.dib"), solved.Cells[2].SourceFile);
        Assert.Equal(13, solved.Cells[2].FirstLine);   // the line in the solutions file
        Assert.Null(shipped.Cells[2].SourceFile);
    }

    [Fact]
    public void A_marked_cell_without_a_solution_names_the_lesson_and_the_exercise()
    {
        var (path, folder) = Write(Lesson, Solutions[..Solutions.IndexOf("#!csharp\n\n// exercise 99.1", StringComparison.Ordinal)]);
        var e = Assert.Throws<SolutionException>(() => AeLab.Runner.Notebook.Lesson.Load(path, folder));
        Assert.Contains("99-test.dib: exercise 99.1 (line 15) has no solution", e.Message);

        var (path2, folder2) = Write(Lesson, null);
        e = Assert.Throws<SolutionException>(() => AeLab.Runner.Notebook.Lesson.Load(path2, folder2));
        Assert.Contains("99-test.dib: exercise 99.1", e.Message);
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void A_solution_that_matches_no_cell_or_two_solutions_for_one_cell_are_errors()
    {
        var (path, folder) = Write(Lesson, Solutions + "\n#!csharp\n\n// exercise 99.3\nExercise.Check(\"99.3\", 1L, 1L)\n");
        var e = Assert.Throws<SolutionException>(() => AeLab.Runner.Notebook.Lesson.Load(path, folder));
        Assert.Contains("exercise 99.3", e.Message);
        Assert.Contains("matches no cell of 99-test.dib", e.Message);

        (path, folder) = Write(Lesson, Solutions + "\n#!csharp\n\n// exercise 99.1\nExercise.Check(\"99.1\", 2.0, 2.0)\n");
        e = Assert.Throws<SolutionException>(() => AeLab.Runner.Notebook.Lesson.Load(path, folder));
        Assert.Contains("exercise 99.1 has two solutions", e.Message);
    }

    [Fact]
    public void A_lesson_without_exercises_needs_no_solutions_file_and_markers_must_be_first_lines()
    {
        var (path, folder) = Write("#!csharp\n\nvar x = 1;\n// exercise 1.1 is mentioned here, not a marker\n", null);
        Assert.Single(AeLab.Runner.Notebook.Lesson.Load(path, folder).Cells);
        Assert.Null(AeLab.Runner.Notebook.Lesson.ExerciseId(new Cell("csharp", "var x = 1;\n// exercise 1.1", 1)));
        Assert.Null(AeLab.Runner.Notebook.Lesson.ExerciseId(new Cell("markdown", "// exercise 1.1", 1)));
        Assert.Equal("03.2", AeLab.Runner.Notebook.Lesson.ExerciseId(new Cell("csharp", "  // exercise 03.2  \nx", 1)));
        Assert.Throws<SolutionException>(() => AeLab.Runner.Notebook.Lesson.Load(path, Path.Combine(folder, "missing")));
    }
}
