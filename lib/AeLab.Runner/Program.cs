using System.Diagnostics;
using AeLab.Runner;
using AeLab.Runner.Execution;
using AeLab.Runner.Notebook;
using AeLab.Runner.Report;
using AeLab.Runtime;

// AeLab.Runner [--smoke] [--train] [--shipped] [--out DIR] [--timeout SECONDS] [--solutions DIR] [paths...]
// --train: every model trains from scratch (AELAB_TRAIN=1) instead of loading checkpoints or shipped weights.
// --shipped: every full-mode model loads the shipped weights (AELAB_SHIPPED=1); a lesson whose weights are missing or
//            were trained on another configuration fails instead of training (the test of the shipped weights).
// --solutions DIR: each cell whose first line is "// exercise ID" runs as the cell with that line in DIR/<lesson>.dib.
// --ipynb DIR: runs nothing; writes each lesson as an unexecuted notebook DIR/<lesson>.ipynb (Jupyter's copy of the
//              course, jupyter/ in the repository: `--ipynb jupyter` regenerates it; with --solutions, solved copies).
// Paths are .dib files or folders (every *.dib in name order); default: the repository's notebooks/ folder.
// Each lesson runs in its own kernel process: this program started again with --kernel-host LESSON.
if (args is [Program.KernelHostFlag, var lessonPath, .. var solved]) return await KernelHost.RunAsync(lessonPath, solved.FirstOrDefault());

var clock = Stopwatch.StartNew();
string? outDir = null, solutions = null, ipynbDir = null; double timeoutSeconds = 3600; var paths = new List<string>();
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--smoke": Environment.SetEnvironmentVariable(Course.SmokeVariable, "1"); break;
        case "--train": Environment.SetEnvironmentVariable(Course.TrainVariable, "1"); break;
        case "--shipped": Environment.SetEnvironmentVariable(Course.ShippedVariable, "1"); break;
        case "--out" when i + 1 < args.Length: outDir = args[++i]; break;
        case "--solutions" when i + 1 < args.Length: solutions = args[++i]; break;   // exercise cells run with their solutions
        case "--ipynb" when i + 1 < args.Length: ipynbDir = args[++i]; break;
        case "--timeout" when i + 1 < args.Length && double.TryParse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture, out var t) && t > 0:
            timeoutSeconds = t; i++; break;
        case "-h" or "--help":
            Console.WriteLine("usage: AeLab.Runner [--smoke] [--train] [--shipped] [--out DIR] [--timeout SECONDS] [--solutions DIR] [notebook.dib|folder ...]\n" +
                              "       AeLab.Runner --ipynb DIR [--solutions DIR] [notebook.dib|folder ...]   (write unexecuted .ipynb, run nothing)");
            return 0;
        default:
            if (args[i].StartsWith("--")) { Console.Error.WriteLine($"unknown or incomplete option '{args[i]}'; see --help"); return 2; }
            paths.Add(args[i]); break;
    }
}

if (paths.Count == 0)
{
    if (Course.Root is null) { Console.Error.WriteLine("no notebooks/ folder found above the current directory or the runner; pass .dib paths"); return 2; }
    paths.Add(Course.NotebooksFolder);
}
var files = new List<string>();
foreach (var p in paths)
{
    if (Directory.Exists(p)) files.AddRange(Directory.GetFiles(p, "*.dib").OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal));
    else if (File.Exists(p)) files.Add(p);
    else { Console.Error.WriteLine($"'{p}' is neither a .dib file nor a folder"); return 2; }
}
if (ipynbDir is not null)
{
    try
    {
        foreach (var f in files) Console.WriteLine(JupyterCopy.Write(f, ipynbDir, solutions));
        return 0;
    }
    catch (Exception e) when (e is SolutionException or IOException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine(e.Message);
        return 1;
    }
}
outDir ??= Path.Combine(Path.GetDirectoryName(Path.GetFullPath(files.FirstOrDefault() ?? "."))!, "out");
outDir = Path.GetFullPath(outDir);
Console.WriteLine($"AeLab.Runner: {files.Count} notebook(s) in the .NET Interactive C# kernel, smoke={Course.Smoke}{(Course.Train ? ", training every model" : "")}, out={outDir}");
var runner = new LessonRunner(outDir, TimeSpan.FromSeconds(timeoutSeconds), Console.Out);
var failed = files.Where(f => !runner.Run(f, solutions)).ToList();
Console.WriteLine($"{files.Count - failed.Count}/{files.Count} notebooks ran in {clock.Elapsed.TotalSeconds:0.0} s" +
                  (failed.Count > 0 ? "; failed: " + string.Join(", ", failed.Select(Path.GetFileName)) : ""));
return failed.Count == 0 ? 0 : 1;

public partial class Program
{
    /// <summary>Starts this program as the kernel process of one lesson.</summary>
    public const string KernelHostFlag = "--kernel-host";
}
