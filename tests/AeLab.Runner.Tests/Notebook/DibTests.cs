using AeLab.Runner.Notebook;

namespace AeLab.Runner.Tests.Notebook;

public class DibTests
{
    [Fact]
    public void Meta_header_is_skipped_and_cells_split_by_kernel_lines()
    {
        var cells = Dib.Parse("#!meta\n\n{\"kernelInfo\":{\"defaultKernelName\":\"csharp\"}}\n\n#!markdown\n\n# Title\n\n#!csharp\n\nvar x = 1;\nx\n");
        Assert.Equal(2, cells.Count);
        Assert.Equal("markdown", cells[0].Kernel);
        Assert.Equal("# Title", cells[0].Source);
        Assert.True(cells[1].IsCode);
        Assert.Equal("var x = 1;\nx", cells[1].Source);
        Assert.Equal(11, cells[1].FirstLine);
    }

    [Fact]
    public void Crlf_and_aliases_are_accepted()
    {
        var cells = Dib.Parse("#!c#\r\nvar a = 1;\r\n\r\n#!md\r\nText\r\n");
        Assert.Equal(new[] { "csharp", "markdown" }, cells.Select(c => c.Kernel));
        Assert.Equal("var a = 1;", cells[0].Source);
        Assert.Equal("Text", cells[1].Source);
    }

    [Fact]
    public void Magic_commands_stay_in_the_cell_and_inner_blank_lines_are_kept()
    {
        var cells = Dib.Parse("#!csharp\n\n\n#!time\nvar a = 1;\n\n\nvar b = 2;\n\n\n");
        var cell = Assert.Single(cells);
        Assert.Equal("#!time\nvar a = 1;\n\n\nvar b = 2;", cell.Source);
        Assert.Equal(4, cell.FirstLine);
    }

    [Fact]
    public void Text_before_any_cell_line_uses_the_default_kernel()
    {
        var cell = Assert.Single(Dib.Parse("Console.WriteLine(1);\n"));
        Assert.True(cell.IsCode);
        Assert.Equal(1, cell.FirstLine);
    }

    [Fact]
    public void Empty_cells_are_kept_so_numbering_matches_the_editor()
    {
        var cells = Dib.Parse("#!csharp\n\n#!csharp\n1\n");
        Assert.Equal(2, cells.Count);
        Assert.Equal("", cells[0].Source);
    }
}
