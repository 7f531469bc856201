using AeLab.Runner.Execution;
using AeLab.Runner.Notebook;

namespace AeLab.Runner.Tests.Execution;

/// <summary>Fixtures run in the real .NET Interactive C# kernel, one kernel process each, as the runner runs lessons.</summary>
public class KernelTests
{
    static List<CellResult> Run(string path, double timeoutSeconds = 300) =>
        new LessonProcess(TimeSpan.FromSeconds(timeoutSeconds), TextWriter.Null).Run(Lesson.Load(path));

    static string Temp(string name, string text)
    {
        var path = Path.Combine(Repo.TempDir(), name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Console_displays_and_result_become_outputs_in_order()
    {
        var results = Run(Repo.Fixture("display.dib"));
        Assert.All(results, r => Assert.True(r.Error is null, r.Error));
        Assert.Equal(3, results.Count);
        var first = results[1].Outputs;
        Assert.Equal(["stream", "display_data", "display_data"], first.Select(o => o.Kind));
        Assert.Equal("hello from the console\n", first[0].Text);
        Assert.Equal("first", first[1].Data["text/plain"]);
        Assert.Contains("42", first[2].Data["text/html"]);
        var second = results[2];
        Assert.Equal(2, second.ExecutionCount);
        Assert.Contains("<pre>6</pre>", Assert.Single(second.Outputs, o => o.Kind == "execute_result").Data["text/html"]);
        Assert.Contains(second.Outputs, o => o.Data.GetValueOrDefault("text/plain", "").StartsWith("Wall time:"));
    }

    [Fact]
    public void Live_outputs_update_in_place_one_progress_line_and_one_picture_in_their_final_state()
    {
        Assert.True(Repo.LibraryBuilt, "lib/bin/AeLab.dll is missing: run `dotnet build lib/AeLab` first");
        var results = Run(Repo.Fixture("live.dib"));
        Assert.All(results, r => Assert.True(r.Error is null, r.Error));

        var picture = Assert.Single(results[2].Outputs);
        Assert.Equal("display_data", picture.Kind);
        Assert.StartsWith("iVBORw0KGgo", picture.Data["image/png"]);
        using (var bitmap = SkiaSharp.SKBitmap.Decode(Convert.FromBase64String(picture.Data["image/png"])))
            Assert.Contains(bitmap.Pixels, p => p.Red == 255 && p.Green == 255);   // the last update: all white

        var training = results[3].Outputs;
        var progress = training.Where(o => o.Kind == "display_data" && o.Data.GetValueOrDefault("text/plain", "").StartsWith("epoch ")).ToList();
        var line = Assert.Single(progress).Data["text/plain"];
        Assert.StartsWith("epoch 6/6 [####################] 100%", line);
        Assert.Contains("<pre>6</pre>", Assert.Single(training, o => o.Kind == "execute_result").Data["text/html"]);
    }

    [Fact]
    public void The_kernels_display_global_is_there_but_its_update_adds_a_second_output()
    {
        // What VS Code shows for display(x).Update(y) with this kernel; the library's Output.Display avoids it.
        var results = Run(Temp("global.dib", "#!csharp\nvar h = display(\"one\");\nh.Update(\"two\");\n"));
        Assert.Null(results[0].Error);
        Assert.Equal(["one", "two"], results[0].Outputs.Select(o => o.Data["text/plain"]));
    }

    [Fact]
    public void A_cell_needing_an_import_the_kernel_does_not_make_fails_with_its_line()
    {
        var results = Run(Repo.Fixture("imports.dib"));
        var error = Assert.Single(results).Error;
        Assert.StartsWith("imports.dib, cell 1, line 2 (file line 4): CS0103: The name 'File' does not exist", error);
    }

    [Fact]
    public void Runtime_error_names_lesson_cell_and_file_lines_and_stops_the_run()
    {
        var results = Run(Repo.Fixture("error.dib"));
        Assert.Equal(2, results.Count);
        var error = results[1].Error;
        Assert.NotNull(error);
        Assert.StartsWith("error.dib, cell 2 (file lines 7–8): System.InvalidOperationException: boom in the fixture", error);
        Assert.Equal("error", results[1].Outputs.Last().Kind);
    }

    [Fact]
    public void Compile_error_reports_the_cell_line_and_the_file_line()
    {
        var results = Run(Temp("bad.dib", "#!csharp\n\nvar a = 1;\nint b = \"text\";\n"));
        Assert.StartsWith("bad.dib, cell 1, line 2 (file line 4): CS0029", results[0].Error);
    }

    [Fact]
    public void A_learners_libtorch_mistakes_come_back_as_exceptions_and_the_session_lives_on()
    {
        Assert.True(Repo.LibraryBuilt, "lib/bin/AeLab.dll is missing: run `dotnet build lib/AeLab` first");
        var results = Run(Repo.Fixture("mistakes.dib"));
        Assert.All(results, r => Assert.True(r.Error is null, r.Error));
        Mistakes.Check(results.Select(r => string.Concat(r.Outputs.Where(o => o.Kind == "stream").Select(o => o.Text)).Trim()).ToList());
    }

    [Fact]
    public void A_compiler_warning_shows_under_its_cell_as_stderr_as_the_tool_shows_it()
    {
        // The dotnet-interactive tool's Jupyter front end prints a cell's warnings and infos to stderr; so does the runner,
        // and the lesson tests fail on any such line.
        var results = Run(Temp("warn.dib", "#!csharp\n\n#warning from the fixture\n1 + 1\n"));
        Assert.Null(results[0].Error);
        var stderr = Assert.Single(results[0].Outputs, o => o.Kind == "stream" && o.Data["name"] == "stderr");
        Assert.Equal("\n(1,10): warning CS1030: #warning: 'from the fixture'\n\n", stderr.Text);
        Assert.Contains(results[0].Outputs, o => o.Kind == "execute_result");
    }

    [Fact]
    public void A_kernel_process_that_ends_mid_cell_fails_that_cell_with_its_exit_code()
    {
        var results = Run(Repo.Fixture("crash.dib"));
        Assert.Null(results[0].Error);
        Assert.Contains("the kernel process ended (exit code 3) while the cell ran", results[1].Error);
    }

    [Fact]
    public void A_cell_past_the_timeout_fails_and_its_process_is_ended()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var results = Run(Repo.Fixture("slow.dib"), timeoutSeconds: 15);
        Assert.Contains("did not finish within 15 s", Assert.Single(results).Error);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
    }
}
