using System.Diagnostics;
using System.Text.Json;

namespace AeLab.Runner.Tests.RealTool;

/// <summary>
/// Runs notebooks in the real <c>dotnet-interactive</c> tool, the kernel process VS Code's Polyglot Notebooks and Jupyter
/// start (the repository's local tool, .config/dotnet-tools.json, restored by lib/setup.sh), the way Jupyter runs them:
/// Debian's python3-nbclient starts one kernel per notebook from the kernelspec the tool itself writes
/// (<c>dotnet interactive jupyter install</c>) into a private folder, executes the cells in order with a per-cell timeout
/// and saves the executed notebook (jupyter_run.py beside this file).
/// </summary>
static class DotnetInteractive
{
    /// <summary>How long one cell may run (smoke-mode cells take seconds; the slowest about a minute on 2 busy cores).</summary>
    public static readonly TimeSpan CellTimeout = TimeSpan.FromSeconds(600);

    /// <summary>How long the tool may take to start and answer Jupyter.</summary>
    public static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(180);

    /// <summary>Where the kernel runs: the course's Jupyter folder, where #r "../lib/bin/AeLab.dll" resolves.</summary>
    public static string KernelFolder => Path.Combine(Repo.Root, JupyterFolder);

    public const string JupyterFolder = "jupyter";

    static readonly Lazy<string> _kernelspecs = new(WriteKernelspecs);

    /// <summary>A private Jupyter data folder holding the tool's own kernelspecs (kernels/.net-csharp, ...).</summary>
    public static string Kernelspecs => _kernelspecs.Value;

    static string WriteKernelspecs()
    {
        var dir = Repo.TempDir();
        Directory.CreateDirectory(Path.Combine(dir, "kernels"));
        // `dotnet interactive` finds the local tool from the manifest above the working folder, as a learner's does.
        var (code, output) = Exec("dotnet", KernelFolder, TimeSpan.FromMinutes(3), "interactive", "jupyter", "install", "--path", Path.Combine(dir, "kernels"));
        var spec = Path.Combine(dir, "kernels", ".net-csharp", "kernel.json");
        Assert.True(code == 0 && File.Exists(spec),
            $"`dotnet interactive jupyter install` failed (exit {code}); is the tool restored? `dotnet tool restore` in the repository " +
            $"(lib/setup.sh does it) installs the version .config/dotnet-tools.json names.\n{output}");
        return dir;
    }

    public sealed record Display(int Cell, string Type, string? Id);

    /// <summary>One notebook's execution: whether every cell ran, the failure, the failing cell's index, times, display messages.</summary>
    public sealed record NotebookRun(string Name, string Ipynb, bool Ok, string? Error, int? Cell, double Seconds,
        IReadOnlyDictionary<int, double> CellSeconds, IReadOnlyList<Display> Displays, string KernelLog)
    {
        /// <summary>The last lines the kernel process wrote to its stdout and stderr.</summary>
        public string KernelLogTail(int lines = 15) =>
            File.Exists(KernelLog) ? string.Join("\n", File.ReadLines(KernelLog).Where(l => l.Trim().Length > 0).TakeLast(lines)) : "";
    }

    /// <summary>
    /// Executes <paramref name="notebooks"/> one after another, each in a fresh kernel started in <see cref="KernelFolder"/>,
    /// writing the executed copies to <paramref name="outDir"/>; <paramref name="environment"/> is added to the kernel's
    /// environment (null removes a variable). <paramref name="log"/> gets one line per notebook as it finishes. Each cell
    /// may run <paramref name="cellTimeout"/> (default <see cref="CellTimeout"/>); one that runs longer ends its notebook's run.
    /// </summary>
    public static List<NotebookRun> Execute(IReadOnlyList<string> notebooks, string outDir, IDictionary<string, string?> environment, TextWriter log,
        TimeSpan? cellTimeout = null)
    {
        var timeout = cellTimeout ?? CellTimeout;
        var script = Path.Combine(Repo.Root, "tests", "AeLab.Runner.Tests", "RealTool", "jupyter_run.py");
        var psi = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repo.Root,
            ArgumentList =
            {
                script, "--kernelspecs", Kernelspecs, "--cwd", KernelFolder, "--out", outDir,
                "--timeout", ((int)Math.Ceiling(timeout.TotalSeconds)).ToString(), "--startup-timeout", ((int)StartupTimeout.TotalSeconds).ToString(),
            },
        };
        foreach (var n in notebooks) psi.ArgumentList.Add(n);
        foreach (var (k, v) in environment)
            if (v is null) psi.Environment.Remove(k); else psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stderr = new Queue<string>();
        var readErr = Task.Run(() =>
        {
            while (p.StandardError.ReadLine() is { } l)
                lock (stderr) { stderr.Enqueue(l); if (stderr.Count > 40) stderr.Dequeue(); }
        });
        var readOut = Task.Run(() => { while (p.StandardOutput.ReadLine() is { } l) log.WriteLine(l); });
        // Each cell has its own timeout inside; this only catches the driver itself hanging.
        var limit = TimeSpan.FromTicks((StartupTimeout + timeout).Ticks * Math.Max(1, notebooks.Count)) + TimeSpan.FromMinutes(5);
        if (!p.WaitForExit(limit))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"Jupyter's client did not finish {notebooks.Count} notebook(s) within {limit.TotalMinutes:0} min; it was ended.");
        }
        p.WaitForExit();
        readOut.Wait();
        readErr.Wait();
        string tail; lock (stderr) tail = string.Join("\n", stderr);
        Assert.True(p.ExitCode == 0, $"jupyter_run.py failed (exit {p.ExitCode}); is python3-nbclient installed (bash lib/setup.sh --tests)?\n{tail}");

        var runs = new List<NotebookRun>();
        foreach (var n in notebooks)
        {
            var name = Path.GetFileNameWithoutExtension(n);
            var json = Path.Combine(outDir, name + ".json");
            Assert.True(File.Exists(json), $"{name}: Jupyter's client wrote no result\n{tail}");
            using var doc = JsonDocument.Parse(File.ReadAllText(json));
            var r = doc.RootElement;
            runs.Add(new NotebookRun(name, Path.Combine(outDir, name + ".ipynb"), r.GetProperty("ok").GetBoolean(),
                r.GetProperty("error").GetString(),
                r.GetProperty("cell").ValueKind == JsonValueKind.Number ? r.GetProperty("cell").GetInt32() : null,
                r.GetProperty("seconds").GetDouble(),
                r.GetProperty("cells").EnumerateArray().ToDictionary(c => c.GetProperty("index").GetInt32(), c => c.GetProperty("seconds").GetDouble()),
                r.GetProperty("displays").EnumerateArray().Select(d => new Display(d.GetProperty("cell").GetInt32(), d.GetProperty("type").GetString()!,
                    d.GetProperty("id").ValueKind == JsonValueKind.String ? d.GetProperty("id").GetString() : null)).ToList(),
                Path.Combine(outDir, name + ".kernel.log")));
        }
        return runs;
    }

    static (int code, string output) Exec(string exe, string cwd, TimeSpan limit, params string[] args)
    {
        var psi = new ProcessStartInfo(exe) { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(limit)) { p.Kill(entireProcessTree: true); return (-1, $"timed out after {limit.TotalSeconds:0} s"); }
        p.WaitForExit();
        return (p.ExitCode, output.Result + err.Result);
    }
}
