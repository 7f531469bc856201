using System.Globalization;
using System.Text.Json.Nodes;

namespace AeLab.Bench;

/// <summary>
/// Picks the OpenBLAS kernel the PyTorch twin runs, so that it is PyTorch at its best on this CPU: OpenBLAS 0.3.21
/// chooses from the CPU it recognises and falls back to its Prescott kernel on CPUs newer than itself (an Intel Xeon
/// with AVX-512 ran SGEMM at 65.7 GFLOP/s there against 295.8 through TorchSharp). Every kernel the CPU's flags allow is
/// tried in a twin process of its own (OPENBLAS_CORETYPE, that process only): its SGEMM against the same product in
/// float64, and its speed; the fastest correct one is used for every twin run that follows.
/// </summary>
public static class OpenBlasCore
{
    public const string Variable = "OPENBLAS_CORETYPE";

    /// <summary>OpenBLAS's kernels, most capable first, with the CPU flags each needs (DYNAMIC_ARCH names).</summary>
    static readonly (string Core, string[] Flags)[] Kernels =
    [
        ("COOPERLAKE", ["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512_bf16"]),
        ("SKYLAKEX", ["avx512f", "avx512bw", "avx512dq", "avx512vl"]),
        ("ZEN", ["avx2", "fma"]),
        ("HASWELL", ["avx2", "fma"]),
        ("SANDYBRIDGE", ["avx"]),
        ("PRESCOTT", []),
    ];

    /// <summary>The kernel chosen (null: OpenBLAS's own choice, e.g. when no OpenBLAS is loaded) and the evidence.</summary>
    public sealed record Choice(string? Core, string Why, JsonArray Tried);

    public static Choice Choose(int threads, int n, int reps)
    {
        var flags = CpuFlags();
        var tried = new JsonArray();
        (string Core, double Gflops)? best = null;
        string? defaultCore = null;
        foreach (var core in new string?[] { null }.Concat(Kernels.Where(k => k.Flags.All(flags.Contains)).Select(k => k.Core)))
        {
            var env = core == null ? null : new Dictionary<string, string> { [Variable] = core };
            var (ok, json, err, _) = PythonTwin.RunWithOutput(
                ["--sgemm", "--threads", threads.ToString(), "--sgemm-n", n.ToString(), "--reps", reps.ToString()], TimeSpan.FromMinutes(2), env);
            if (!ok || json == null)
            {
                tried.Add(new JsonObject { ["requested"] = core ?? "(OpenBLAS's own choice)", ["error"] = PythonTwin.Last(err) });
                continue;
            }
            var reported = ReportedCore(json);
            var error = (double?)json["sgemm_max_relative_error"] ?? double.NaN;
            var median = (double)json["sgemm_median_gflops"]!;
            var correct = error < 1e-4;
            tried.Add(new JsonObject
            {
                ["requested"] = core ?? "(OpenBLAS's own choice)", ["reported"] = reported,
                ["sgemm_median_gflops"] = Math.Round(median, 1), ["max_relative_error"] = error, ["correct"] = correct,
            });
            if (core == null) { defaultCore = reported; continue; }
            // A request OpenBLAS did not honour (not a DYNAMIC_ARCH build, or no OpenBLAS at all) chooses nothing.
            if (reported == null || !reported.Equals(core, StringComparison.OrdinalIgnoreCase)) continue;
            if (correct && (best == null || median > best.Value.Gflops)) best = (core, median);
        }
        if (best == null)
            return new Choice(null, "no OpenBLAS kernel could be chosen (no OpenBLAS, or not a DYNAMIC_ARCH build): OpenBLAS's own choice", tried);
        return new Choice(best.Value.Core,
            $"fastest correct SGEMM ({best.Value.Gflops.ToString("F1", CultureInfo.InvariantCulture)} GFLOP/s median, error below 1e-4 " +
            $"of the float64 product) of the {tried.Count - 1} kernels this CPU's flags allow; OpenBLAS alone chose {defaultCore ?? "?"}", tried);
    }

    /// <summary>The kernel name OpenBLAS reports for itself, upper-case (twin.py's "blas" field: "OpenBLAS 0.3.21 (Haswell, ...)").</summary>
    static string? ReportedCore(JsonObject json)
    {
        var blas = (string?)json["blas"];
        if (blas == null || !blas.StartsWith("OpenBLAS", StringComparison.Ordinal)) return null;
        var open = blas.IndexOf('(');
        if (open < 0) return null;
        return blas[(open + 1)..].Split(',', ')')[0].Trim().ToUpperInvariant();
    }

    static HashSet<string> CpuFlags()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal));
            return line == null ? [] : [.. line.Split(':', 2)[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)];
        }
        catch (IOException) { return []; }
    }
}
