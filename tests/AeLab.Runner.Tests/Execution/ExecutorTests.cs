using AeLab.Runner.Execution;
using AeLab.Runner.Notebook;

namespace AeLab.Runner.Tests.Execution;

public class ExecutorTests
{
    static List<CellResult> Run(string fixture, double timeoutSeconds = 120)
    {
        var path = Repo.Fixture(fixture);
        return new NotebookExecutor(TimeSpan.FromSeconds(timeoutSeconds), TextWriter.Null).Run(path, Dib.Parse(File.ReadAllText(path)));
    }

    [Fact]
    public void Display_console_update_and_result_become_outputs_in_order()
    {
        var results = Run("display.dib");
        Assert.All(results, r => Assert.True(r.Error is null, r.Error));
        var first = results[1].Outputs;
        Assert.Equal(new[] { "stream", "display_data", "display_data" }, first.Select(o => o.Kind));
        Assert.Equal("hello from the console\n", first[0].Text);
        Assert.Equal("replaced", first[1].Data["text/plain"]);
        Assert.Contains("42", first[2].Data.Values.First());
        var second = results[2];
        Assert.Equal(2, second.ExecutionCount);
        var result = Assert.Single(second.Outputs, o => o.Kind == "execute_result");
        Assert.Contains("6", result.Data["text/plain"]);
        Assert.Contains(second.Outputs, o => o.Kind == "stream" && o.Text.StartsWith("Wall time:"));
    }

    [Fact]
    public void Runtime_error_names_notebook_cell_and_line_and_stops_the_run()
    {
        var results = Run("error.dib");
        Assert.Equal(2, results.Count);
        var error = results[1].Error;
        Assert.NotNull(error);
        Assert.StartsWith("error.dib, cell 2, line 2 (file line 8)", error);
        Assert.Contains("boom in the fixture", error);
        Assert.Equal("error", results[1].Outputs.Last().Kind);
    }

    [Fact]
    public void Compile_error_reports_the_line()
    {
        var path = Path.Combine(Repo.TempDir(), "bad.dib");
        File.WriteAllText(path, "#!csharp\nvar a = 1;\nint b = \"text\";\n");
        var results = new NotebookExecutor(TimeSpan.FromSeconds(60), TextWriter.Null).Run(path, Dib.Parse(File.ReadAllText(path)));
        Assert.StartsWith("bad.dib, cell 1, line 2 (file line 3): CS0029", results[0].Error);
    }

    [Theory]
    [InlineData("nuget.dib", "#r \"nuget:...\"' is not supported")]
    [InlineData("magic.dib", "'#!who' is not supported")]
    public void Unsupported_directives_fail_the_cell_clearly(string fixture, string message)
    {
        var r = Assert.Single(Run(fixture));
        Assert.Contains(message, r.Error);
        Assert.Empty(r.Outputs.Where(o => o.Kind == "stream"));
    }

    [Fact]
    public void A_cell_past_the_timeout_fails()
    {
        var path = Path.Combine(Repo.TempDir(), "slow.dib");
        File.WriteAllText(path, "#!csharp\nSystem.Threading.Thread.Sleep(3000);\n");
        var results = new NotebookExecutor(TimeSpan.FromSeconds(0.5), TextWriter.Null).Run(path, Dib.Parse(File.ReadAllText(path)));
        Assert.Contains("did not finish within", results[0].Error);
    }

    [Fact]
    public void Host_hook_for_the_library_displays_and_updates_in_place()
    {
        var path = Path.Combine(Repo.TempDir(), "hook.dib");
        File.WriteAllText(path, "#!csharp\nvar show = (Func<object, Action<object>>)AppContext.GetData(\"AeLab.Display.Host\");\nvar update = show(\"one\");\nupdate(\"two\");\n");
        var results = new NotebookExecutor(TimeSpan.FromSeconds(60), TextWriter.Null).Run(path, Dib.Parse(File.ReadAllText(path)));
        Assert.True(results[0].Error is null, results[0].Error);
        Assert.Equal("two", Assert.Single(results[0].Outputs).Data["text/plain"]);
    }
}
