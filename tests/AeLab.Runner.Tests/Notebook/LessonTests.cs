using AeLab.Runner.Notebook;

namespace AeLab.Runner.Tests.Notebook;

public class LessonTests
{
    [Fact]
    public void Meta_header_kernels_and_first_lines()
    {
        var path = Path.Combine(Repo.TempDir(), "a.dib");
        File.WriteAllText(path, "#!meta\n\n{\"kernelInfo\":{\"defaultKernelName\":\"csharp\"}}\n\n#!markdown\n\n# Title\n\n#!csharp\n\nvar x = 1;\nx\n\n#!c#\n#!time\nx\n");
        var cells = Lesson.Load(path).Cells;
        Assert.Equal(["markdown", "csharp", "csharp"], cells.Select(c => c.Kernel));
        Assert.Equal("# Title", cells[0].Source);
        Assert.Equal("var x = 1;\nx", cells[1].Source);
        Assert.Equal(11, cells[1].FirstLine);
        Assert.Equal("#!time\nx", cells[2].Source);
        Assert.Equal(15, cells[2].FirstLine);
    }

    [Fact]
    public void Every_lessons_cells_are_found_at_their_lines_in_the_file()
    {
        foreach (var path in Directory.GetFiles(Path.Combine(Repo.Root, "notebooks"), "*.dib"))
        {
            var lines = File.ReadAllText(path).Replace("\r\n", "\n").Split('\n');
            var lesson = Lesson.Load(path);
            foreach (var cell in lesson.Cells)
            {
                Assert.True(cell.FirstLine > 0, $"{path}: a cell was not located");
                Assert.Equal(cell.Source, string.Join("\n", lines[(cell.FirstLine - 1)..cell.LastLine]));
            }
            Assert.Contains(lesson.Cells, c => c.IsCode);
            Assert.Contains(lesson.Cells, c => c.IsMarkdown);
        }
    }
}
