using System.Diagnostics;

namespace AeLab.Runner.Tests.Lessons;

/// <summary>
/// The runner's two smoke runs of every lesson, each made once per test process and shared by the tests that read it:
/// as shipped (the learner's normal run) and with notebooks/solutions under AELAB_EXERCISES=strict. The lesson tests
/// check them; the real-tool tests compare the dotnet-interactive tool's pictures with them.
/// </summary>
static class RunnerRuns
{
    public sealed record Run(string OutDir, int ExitCode, string Output)
    {
        public string Ipynb(string lesson) => Path.Combine(OutDir, lesson + ".ipynb");
    }

    static readonly Lazy<Run> _shipped = new(() => Execute(solved: false));
    static readonly Lazy<Run> _solved = new(() => Execute(solved: true));

    public static Run Shipped => _shipped.Value;
    public static Run Solved => _solved.Value;

    static string Notebooks => Path.Combine(Repo.Root, "notebooks");
    public static string Solutions => Path.Combine(Notebooks, "solutions");

    static Run Execute(bool solved)
    {
        Assert.True(Repo.LibraryBuilt, "lib/bin/AeLab.dll is missing: run `bash lib/setup.sh` first");
        var outDir = Repo.TempDir();
        var psi = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { typeof(LessonRunner).Assembly.Location, "--smoke", "--out", outDir },
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repo.Root,
        };
        if (solved)
        {
            psi.ArgumentList.Add("--solutions");
            psi.ArgumentList.Add(Solutions);
            psi.Environment["AELAB_EXERCISES"] = "strict";
        }
        else psi.Environment.Remove("AELAB_EXERCISES");   // the lessons as shipped, in a learner's normal run
        psi.ArgumentList.Add(Notebooks);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return new Run(outDir, p.ExitCode, output + err.Result);
    }
}
