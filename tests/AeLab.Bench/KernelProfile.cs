using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;

namespace AeLab.Bench;

/// <summary>
/// Where a training step's time goes, per native kernel, in both stacks (<c>--profile</c>). The case runs in a child
/// process with the kernels' own execution logs switched on — oneDNN's <c>ONEDNN_VERBOSE=1</c> (every convolution,
/// transposed convolution and layout reorder, with its time) and MKL's <c>MKL_VERBOSE=1</c> (every SGEMM of the linear
/// layers and attention) — and its timed steps between two marker lines; the parent sums the logged times per kernel and
/// pass and divides by the steps. The PyTorch twin runs the same way (its oneDNN logs the same lines; OpenBLAS logs
/// nothing, so its matrix products fall into "outside"). "Outside these kernels" is the step time minus the logged
/// kernels: element-wise layers, normalisation, losses, the optimizer, autograd and the dispatch of every operation.
/// Logging costs a few microseconds a call, so the profiled steps are somewhat slower than the benchmark's.
/// </summary>
public static class KernelProfile
{
    public const string Begin = "AELAB-PROFILE-BEGIN", End = "AELAB-PROFILE-END";
    public static readonly IReadOnlyDictionary<string, string> Env = new Dictionary<string, string> { ["ONEDNN_VERBOSE"] = "1", ["MKL_VERBOSE"] = "1" };

    [DllImport("libc", EntryPoint = "fflush")]
    static extern int FlushNative(IntPtr stream);

    /// <summary>A marker line after everything the native kernels have buffered (C stdio buffers a pipe).</summary>
    public static void Mark(string marker)
    {
        FlushNative(IntPtr.Zero);
        Console.Out.Flush();
        Console.WriteLine(marker);
        Console.Out.Flush();
    }

    public sealed record Kernel(string Name, int Calls, double Ms);

    /// <summary>Sums the logged kernel times between the markers, by kernel and pass (oneDNN v2 and v3 lines, MKL lines).</summary>
    public static List<Kernel> Parse(string stdout)
    {
        var sums = new Dictionary<string, (int Calls, double Ms)>();
        bool inside = false;
        foreach (var raw in stdout.Split('\n'))
        {
            var line = raw.Trim();
            if (line == Begin) { inside = true; continue; }
            if (line == End) break;
            if (!inside) continue;
            string? name = null; double ms = 0;
            if (line.StartsWith("onednn_verbose,", StringComparison.Ordinal) || line.StartsWith("dnnl_verbose,", StringComparison.Ordinal))
            {
                var f = line.Split(',');
                int exec = Array.IndexOf(f, "exec");
                // v3: onednn_verbose,v1,primitive,exec,cpu,KIND,IMPL,PROP,...,TIME; v2: onednn_verbose,exec,cpu,KIND,IMPL,PROP,...,TIME
                if (exec < 0 || f.Length < exec + 5 || !double.TryParse(f[^1], NumberStyles.Float, CultureInfo.InvariantCulture, out ms)) continue;
                string kind = f[exec + 2], prop = f[exec + 4];
                name = kind == "reorder" ? "oneDNN reorder (layout copies)" : $"oneDNN {kind} {prop.Replace('_', ' ')}";
            }
            else if (line.StartsWith("MKL_VERBOSE ", StringComparison.Ordinal) && line.Contains('('))
            {
                var fn = line.Substring(12, line.IndexOf('(') - 12);
                var after = line[(line.IndexOf(')') + 1)..].TrimStart().Split(' ')[0];
                if (!TryDuration(after, out ms)) continue;
                name = "MKL " + fn;
            }
            if (name == null) continue;
            var s = sums.GetValueOrDefault(name);
            sums[name] = (s.Calls + 1, s.Ms + ms);
        }
        return sums.Select(kv => new Kernel(kv.Key, kv.Value.Calls, kv.Value.Ms)).OrderByDescending(k => k.Ms).ToList();
    }

    /// <summary>MKL writes "89.77ms", "144.59us", "812ns" or "1.2s".</summary>
    static bool TryDuration(string text, out double ms)
    {
        foreach (var (unit, scale) in new[] { ("ns", 1e-6), ("us", 1e-3), ("ms", 1.0), ("s", 1e3) })
            if (text.EndsWith(unit, StringComparison.Ordinal) && double.TryParse(text[..^unit.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            { ms = v * scale; return true; }
        ms = 0;
        return false;
    }

    /// <summary>One stack's profile of one case: steps profiled, their median ms, the kernels per step.</summary>
    public sealed record Side(int Steps, double StepMs, List<Kernel> Kernels)
    {
        public double PerStep(Kernel k) => k.Ms / Steps;
        public double Outside => StepMs - Kernels.Sum(k => k.Ms) / Steps;
    }

    /// <summary>Profiles the twin: the same markers, printed by twin.py --profile N.</summary>
    public static (Side? Side, string? Error) Twin(string caseName, Options o, int steps)
    {
        var args = new[] { "--case", caseName, "--threads", o.Threads.ToString(), "--warmup", o.Warmup.ToString(), "--profile", steps.ToString(), "--precision", PythonTwin.PrecisionArgument };
        var (ok, json, err, stdout) = PythonTwin.RunWithOutput(args, TimeSpan.FromMinutes(10), new Dictionary<string, string> { ["ONEDNN_VERBOSE"] = "1" });
        if (!ok) return (null, PythonTwin.Last(err));
        var ms = json!["step_ms_all"]!.AsArray().Select(v => v!.GetValue<double>()).ToList();
        return (new Side(ms.Count, Measure.Median(ms), Parse(stdout)), null);
    }

    /// <summary>The two sides as a Markdown table, kernels by TorchSharp's time per step.</summary>
    public static string Table(string caseName, Side ts, Side? pt)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"{caseName}: TorchSharp {ts.StepMs:F1} ms a profiled step (median of {ts.Steps})" +
                      (pt != null ? $", PyTorch {pt.StepMs:F1} ms (median of {pt.Steps})" : ", no PyTorch profile"));
        sb.AppendLine();
        sb.AppendLine("| kernel | TS calls/step | TS ms/step | PT calls/step | PT ms/step |");
        sb.AppendLine("|:--|--:|--:|--:|--:|");
        var names = ts.Kernels.Select(k => k.Name).Concat(pt?.Kernels.Select(k => k.Name) ?? Enumerable.Empty<string>()).Distinct();
        string Cells(Side? s, string name)
        {
            var k = s?.Kernels.FirstOrDefault(q => q.Name == name);
            return k == null ? "– | –" : $"{(double)k.Calls / s!.Steps:F0} | {s.PerStep(k):F2}";
        }
        foreach (var n in names.OrderByDescending(n => ts.Kernels.FirstOrDefault(k => k.Name == n)?.Ms ?? 0))
            sb.AppendLine($"| {n} | {Cells(ts, n)} | {Cells(pt, n)} |");
        sb.AppendLine($"| outside these kernels | | {ts.Outside:F2} | | {(pt != null ? pt.Outside.ToString("F2", CultureInfo.InvariantCulture) : "–")} |");
        return sb.ToString();
    }

    public static JsonObject ToJson(Side s) => new()
    {
        ["steps"] = s.Steps, ["step_ms"] = s.StepMs, ["outside_ms"] = s.Outside,
        ["kernels"] = new JsonArray(s.Kernels.Select(k => (JsonNode)new JsonObject { ["kernel"] = k.Name, ["calls_per_step"] = (double)k.Calls / s.Steps, ["ms_per_step"] = s.PerStep(k) }).ToArray()),
    };
}
