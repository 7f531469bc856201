using System.Diagnostics;
using System.Text.Json.Nodes;

namespace AeLab.Bench;

/// <summary>
/// Runs tests/bench/twin.py (the PyTorch twins) with Debian's /usr/bin/python3 and python3-torch, one
/// process per case, at the same thread count and batch. Absent Python or torch is reported, not fatal.
/// </summary>
public static class PythonTwin
{
    public const string Python = "/usr/bin/python3";

    /// <summary>How the twin's OpenMP workers wait: as TorchSharp's (the twin inherits the setting). With libgomp's
    /// default 3 ms spin PyTorch was slower here, up to 2x (res-ae-64 8.5 s a step against 5.1 s with the same setting as TorchSharp): its OpenMP workers
    /// and OpenBLAS's own threads then compete for the two cores.</summary>
    public static string OpenMpWaiting => "the same as TorchSharp's (inherited)";

    /// <summary>The OpenBLAS kernel every twin run uses (<see cref="OpenBlasCore"/>), set by <see cref="Probe"/>.</summary>
    public static OpenBlasCore.Choice? Core { get; private set; }

    /// <summary>The twin's SGEMM figure (same size and repetitions as <see cref="Peak"/>), the BLAS it calls and versions, or why PyTorch cannot run here.</summary>
    public static (JsonObject? Info, string? Missing) Probe(int threads, int sgemmN = 1024, int reps = 5)
    {
        if (!File.Exists(Python)) return (null, $"{Python} not found");
        Core = OpenBlasCore.Choose(threads, sgemmN, reps);
        var (ok, json, err) = Run(new[] { "--sgemm", "--threads", threads.ToString(), "--sgemm-n", sgemmN.ToString(), "--reps", reps.ToString() }, TimeSpan.FromMinutes(2));
        if (ok) return (json, null);
        return (null, err.Contains("No module named 'torch'")
            ? "python3-torch is not installed (bash lib/setup.sh --bench, or apt-get install python3-torch)"
            : "PyTorch failed: " + Last(err));
    }

    /// <summary>The twin trains in the precision TorchSharp's steps use (bfloat16: under <c>torch.autocast("cpu")</c>).</summary>
    public static string PrecisionArgument =>
        AeLab.Runtime.Precision.Training == AeLab.Runtime.TrainingPrecision.BFloat16 ? "bfloat16" : "float32";

    public static (JsonObject? Result, string? Error) RunCase(string name, Options o)
    {
        var args = new List<string>
        {
            "--case", name, "--threads", o.Threads.ToString(),
            "--warmup", o.Warmup.ToString(), "--min-steps", "2", "--max-steps", o.MaxSteps.ToString(),
            "--growth-steps", o.GrowthSteps.ToString(),
            "--budget", o.StepBudget.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--precision", PrecisionArgument,
        };
        var (ok, json, err) = Run(args, TimeSpan.FromMinutes(10));
        return ok ? (json, null) : (null, Last(err));
    }

    static (bool Ok, JsonObject? Json, string Err) Run(IEnumerable<string> args, TimeSpan timeout)
    {
        var (ok, json, err, _) = RunWithOutput(args, timeout, null);
        return (ok, json, err);
    }

    /// <summary>Runs twin.py with extra environment variables; also returns its whole stdout (the kernel profile reads it).</summary>
    public static (bool Ok, JsonObject? Json, string Err, string Stdout) RunWithOutput(IEnumerable<string> args, TimeSpan timeout, IReadOnlyDictionary<string, string>? env)
    {
        var psi = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Paths.TwinScript);
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (Core?.Core is { } core) psi.Environment[OpenBlasCore.Variable] = core;
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(timeout)) { p.Kill(true); return (false, null, "timed out", stdout); }
        var line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.StartsWith('{'));
        if (p.ExitCode != 0 || line == null) return (false, null, stderr.Result + stdout, stdout);
        return (true, JsonNode.Parse(line)!.AsObject(), "", stdout);
    }

    public static string Last(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "no output";
}
