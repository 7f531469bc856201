using System.Diagnostics;

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
        var psi = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { runner, "--smoke", "--out", Repo.TempDir(), notebooks },
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repo.Root,
        };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"lesson smoke run failed (exit {p.ExitCode}):\n{output}\n{err.Result}");
    }
}
