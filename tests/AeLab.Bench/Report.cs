using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AeLab.Bench;

/// <summary>Prints the benchmark as it goes, then the summary table, and writes the JSON file.</summary>
public sealed class Report
{
    readonly Options _o;
    readonly LabEnvironment _env;
    readonly JsonObject _root;
    readonly JsonArray _cases = new(), _pipeline = new(), _notes = new();
    readonly List<string[]> _rows = new();
    readonly List<string> _pipelineLines = new();
    Bandwidth.Result? _bandwidth;
    Peak.Result? _peakAtStart;
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public Report(Options o, LabEnvironment env)
    {
        (_o, _env) = (o, env);
        _root = new JsonObject
        {
            ["label"] = o.Label,
            ["date_utc"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss", Inv),
            ["mode"] = o.Quick ? "quick" : "full",
            ["command"] = "bash tests/bench.sh " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)),
            ["machine"] = new JsonObject
            {
                ["cpu"] = CpuModel(), ["cores"] = Environment.ProcessorCount, ["os"] = RuntimeInformation.OSDescription,
                ["loadavg_at_start"] = LoadAverage(),
                ["memory_gib"] = Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024), 1),
            },
            ["threads"] = env.Threads,
            ["openmp_waiting"] = new JsonObject
            {
                ["torchsharp"] = AeLab.Runtime.OpenMp.WaitPolicy,
                ["pytorch"] = PythonTwin.OpenMpWaiting,
            },
            ["precision"] = new JsonObject
            {
                ["training_steps"] = PythonTwin.PrecisionArgument,
                ["chosen"] = Environment.GetEnvironmentVariable(AeLab.Runtime.Precision.Variable) is { Length: > 0 } v
                    ? $"{AeLab.Runtime.Precision.Variable}={v}" : $"auto (CPU computes bfloat16 natively: {AeLab.Runtime.Precision.NativeBFloat16})",
                ["note"] = "both stacks run each training step's forward pass in this precision (bfloat16: libtorch's CPU autocast, " +
                           "torch.autocast('cpu', dtype=torch.bfloat16) in the twin); inference and the limits are float32",
            },
            ["repeat"] = o.Repeat,
            ["versions"] = new JsonObject
            {
                [".NET"] = RuntimeInformation.FrameworkDescription, ["TorchSharp"] = env.TorchSharpVersion, ["libtorch"] = env.LibTorchVersion,
            },
            ["flop_counting"] = "matrix-product layers only (linear, conv, transposed conv by its useful work, attention); " +
                                "forward = 2 x MACs from the layer shapes; a training step = 3 x forward",
            ["byte_counting"] = "every layer of the step (Walks.cs, model in Traffic.cs), float32: products read X, W and write Y forward, " +
                                "read dY, W / dY, X and write dX / dW backward; norms 3 + 5 passes, activations 2 + 3, losses 2 + 3, " +
                                "Adam 7 x parameters; gradients autograd skips are not counted; caches and fusion ignored",
            ["roofline"] = "max(train FLOPs / matrix-product peak (the faster of MKL SGEMM and oneDNN convolution), bytes / best STREAM bandwidth); ratio_to_roofline = roofline time / measured step time",
        };
    }

    public void Header()
    {
        Console.WriteLine($"AeLab benchmark ({(_o.Quick ? "quick mode: a few steps, figures indicative only" : "full mode")})");
        Console.WriteLine($"{CpuModel()} · {Environment.ProcessorCount} cores · {_env}");
    }

    public void Peak(Peak.Result p)
    {
        _root["peak"] = JsonSerializer.SerializeToNode(p);
        _peakAtStart = p;
        Console.WriteLine($"Matrix-product peak through TorchSharp at {p.Threads} threads: {p.BestGflops:F1} GFLOP/s ({p.Kernel}); " +
                          $"SGEMM {p.SgemmGflops:F1} (best of {p.Reps} {p.N}×{p.N} products, median {p.SgemmMedianGflops:F1}), " +
                          $"convolution {p.ConvGflops:F1} ({p.ConvShape}, median {p.ConvMedianGflops:F1})" +
                          (p.ConvBf16Gflops is { } b ? $", the same convolution in bfloat16 {b:F1} (median {p.ConvBf16MedianGflops:F1})" : ""));
    }

    public void Bandwidth(Bandwidth.Result b)
    {
        _bandwidth = b;
        _root["bandwidth"] = JsonSerializer.SerializeToNode(b);
        Console.WriteLine($"Memory bandwidth through TorchSharp (STREAM-style, {b.ArrayMiB:F0} MiB float32 arrays, best of {b.Reps}): " +
                          $"copy {b.CopyGBs:F1} GB/s, triad {b.TriadGBs:F1} GB/s (medians {b.CopyMedianGBs:F1}, {b.TriadMedianGBs:F1}) at {b.Threads} threads");
    }

    public void PythonProbe(JsonObject? py, string? missing)
    {
        if (py == null) { Console.WriteLine($"PyTorch column skipped: {missing}"); return; }
        if (PythonTwin.Core is { } core)
        {
            _root["pytorch_openblas_core"] = new JsonObject { ["chosen"] = core.Core, ["why"] = core.Why, ["tried"] = core.Tried.DeepClone() };
            Console.WriteLine($"PyTorch's OpenBLAS kernel: {core.Core ?? "OpenBLAS's own choice"} ({core.Why})");
        }
        Console.WriteLine($"PyTorch {py["torch_version"]} (/usr/bin/python3, Debian python3-torch) calls {Blas(py)}: " +
                          $"SGEMM {(double)py["sgemm_gflops"]!:F1} GFLOP/s (best of {py["sgemm_reps"]} {py["sgemm_n"]}×{py["sgemm_n"]}, median {(double?)py["sgemm_median_gflops"] ?? double.NaN:F1}) at {py["threads"]} threads");
    }

    /// <summary>The BLAS PyTorch was seen to call: the library mapped into its process and what it says of itself.</summary>
    static string Blas(JsonObject py) =>
        $"{py["blas"]}" + (py["blas_library"] is { } lib ? $" ({lib})" : "") +
        (py["torch_blas_info"] is { } built ? $", built against BLAS_INFO={built}" : "");

    sealed record CaseEntry(BenchCase C, CaseResult? Ts, string? Error, JsonObject? Pt, string? PtError,
        IReadOnlyList<double>? TsRunMs, IReadOnlyList<double>? PtRunMs);
    readonly List<CaseEntry> _entries = new();

    /// <summary>Prints a case as it finishes (ratios to the limits measured so far); its JSON and table row are built in
    /// <see cref="Finish"/>, against the limits of the whole run.</summary>
    public void Case(BenchCase c, CaseResult? ts, string? error, JsonObject? pt, string? ptError, Peak.Result peak,
        IReadOnlyList<double>? tsRunMs = null, IReadOnlyList<double>? ptRunMs = null)
    {
        var e = new CaseEntry(c, ts, error, pt, ptError, tsRunMs, ptRunMs);
        _entries.Add(e);
        if (ts == null) { Console.WriteLine($"  {c.Name}: FAILED: {error}"); return; }
        var (node, _) = Build(e, peak, notes: false);
        double ratio = node["ratio_to_peak"]!.GetValue<double>();
        double? ptMs = pt?["step_ms"]?.GetValue<double>();
        double roofMs = node["roofline_ms"]?.GetValue<double>() ?? double.NaN;
        Console.WriteLine($"  {c.Name,-12} step {ts.StepMs,8:F1} ms (median of {ts.Steps}) · {ts.Gflops,6:F1} GFLOP/s = {ratio:F2}× peak · " +
                          (node["bound"] != null ? $"roofline {roofMs:F1} ms ({node["bound"]}-bound, {roofMs / ts.StepMs:F2} of the step) · " : "") +
                          $"infer {ts.InferImagesPerS:F0} img/s · peak RSS {ts.PeakRssMiB:F0} MiB · RSS ×{ts.RssGrowth:F3} over {ts.GrowthSteps} steps" +
                          (ptMs is double p3 ? $" · PyTorch {p3:F1} ms (TorchSharp ÷ PyTorch {ts.StepMs / p3:F3})" : ptError != null ? $" · PyTorch failed: {ptError}" : ""));
        if (tsRunMs is { Count: > 1 } || ptRunMs is { Count: > 1 })
            Console.WriteLine($"    runs (step ms, the median reported): TorchSharp {string.Join(", ", (tsRunMs ?? Array.Empty<double>()).Select(v => F(v, 1)))}" +
                              (ptRunMs is { Count: > 0 } ? $"; PyTorch {string.Join(", ", ptRunMs.Select(v => F(v, 1)))}" : ""));
    }

    (JsonObject Node, string[] Row) Build(CaseEntry e, Peak.Result peak, bool notes)
    {
        var (c, ts, pt, ptError) = (e.C, e.Ts, e.Pt, e.PtError);
        if (ts == null)
            return (new JsonObject { ["case"] = c.Name, ["error"] = e.Error },
                    new[] { c.Name, c.Batch.ToString(), "failed", "", "", "", "", "", "", "", "", "", "", "" });
        double ratio = ts.Gflops / peak.BestGflops;
        double? ptMs = pt?["step_ms"]?.GetValue<double>();
        var roof = Roofline(c, ts, peak, notes);
        var node = new JsonObject
        {
            ["case"] = c.Name, ["lesson"] = c.Lesson,
            ["torchsharp"] = JsonSerializer.SerializeToNode(ts),
            ["ratio_to_peak"] = ratio,
            ["pytorch"] = pt?.DeepClone(),
            ["torchsharp_over_pytorch_step_time"] = ptMs is double m ? ts.StepMs / m : null,
        };
        if (roof != null)
        {
            foreach (var (k, v) in roof) node[k] = v?.DeepClone();
            if (ptMs is double pm0) node["pytorch_ratio_to_roofline"] = roof["roofline_ms"]!.GetValue<double>() / pm0;
        }
        if (notes && pt?["parameters"] is { } ptParams && ts.Parameters > 0 && ptParams.GetValue<long>() != ts.Parameters)
            Note($"{c.Name}: the PyTorch twin has {ptParams} parameters, the C# model {ts.Parameters}: the twin does not mirror the model.");
        if (ptError != null) node["pytorch_error"] = ptError;
        if (e.TsRunMs is { Count: > 1 } || e.PtRunMs is { Count: > 1 })
            node["runs"] = new JsonObject
            {
                ["torchsharp_step_ms"] = JsonSerializer.SerializeToNode(e.TsRunMs),
                ["pytorch_step_ms"] = JsonSerializer.SerializeToNode(e.PtRunMs),
                ["reported"] = "the median run of each (the lower middle one for an even count)",
            };
        string ptCell = ptMs is double pm ? F(pm, 1) : (ptError != null ? "failed" : "–");
        string ratioCell = ptMs is double pm2 ? F(ts.StepMs / pm2, 3) : "–";
        double roofMs = roof?["roofline_ms"]?.GetValue<double>() ?? double.NaN;
        var row = new[]
        {
            c.Name, c.Batch.ToString(), F(ts.StepMs, 1), F(ts.TrainGflop, 2), F(ts.Gflops, 1), F(ratio, 2),
            F(roof?["gbytes_per_step"]?.GetValue<double>() ?? double.NaN, 2), F(roofMs, 1), F(roofMs / ts.StepMs, 2),
            F(ts.InferImagesPerS, 0), F(ts.PeakRssMiB, 0), F(ts.RssGrowth, 3), ptCell, ratioCell,
        };
        return (node, row);
    }

    /// <summary>
    /// The two limits measured again after the cases: other work on the shared cores during either measurement only
    /// lowers it, so the run's limits are the better of start and end (both kept in the JSON). Returns the peak to use.
    /// </summary>
    public Peak.Result LimitsAtEnd(Peak.Result start, Peak.Result end, Bandwidth.Result bandwidthEnd)
    {
        var bandwidthStart = _bandwidth;
        var peak = end.BestGflops > start.BestGflops ? end : start;
        var bandwidth = bandwidthStart == null || bandwidthEnd.BestGBs > bandwidthStart.BestGBs ? bandwidthEnd : bandwidthStart;
        _root["peak_at_start"] = JsonSerializer.SerializeToNode(start);
        _root["peak_at_end"] = JsonSerializer.SerializeToNode(end);
        _root["peak"] = JsonSerializer.SerializeToNode(peak);
        _root["bandwidth_at_start"] = bandwidthStart == null ? null : JsonSerializer.SerializeToNode(bandwidthStart);
        _root["bandwidth_at_end"] = JsonSerializer.SerializeToNode(bandwidthEnd);
        _root["bandwidth"] = JsonSerializer.SerializeToNode(bandwidth);
        _bandwidth = bandwidth;
        Console.WriteLine();
        Console.WriteLine($"Limits again at the end: matrix peak {end.BestGflops:F1} GFLOP/s (start {start.BestGflops:F1}), memory {bandwidthEnd.BestGBs:F1} GB/s " +
                          $"(start {bandwidthStart?.BestGBs ?? double.NaN:F1}); the table uses the better of each: {peak.BestGflops:F1} GFLOP/s, {bandwidth.BestGBs:F1} GB/s");
        return peak;
    }

    public void Pipeline(string name, PipelineResult? r, string? error)
    {
        if (r == null)
        {
            Console.WriteLine($"  pipeline {name}: FAILED: {error}");
            _pipeline.Add(new JsonObject { ["data"] = name, ["error"] = error });
            _pipelineLines.Add($"{name}: failed ({error})");
            return;
        }
        _pipeline.Add(JsonSerializer.SerializeToNode(r));
        var line = $"{r.Data} (batch {r.Batch}, {r.Batches} batches, {r.Model}, transform {r.Transform}): loader alone {r.LoaderOnlyS:F2} s " +
                   $"({r.LoaderImagesPerS:F0} img/s) ÷ training on ready tensors {r.ReadyEpochS:F2} s = {r.LoaderOverTrain:F3}; " +
                   $"epoch with the loader {r.LoaderEpochS:F2} s ÷ on ready tensors = {r.EpochRatio:F3}";
        _pipelineLines.Add(line);
        Console.WriteLine("  pipeline " + line);
    }

    public void Finish(Peak.Result peak, JsonObject? py, string? pyMissing)
    {
        foreach (var e in _entries)
        {
            var (node, row) = Build(e, peak, notes: true);
            _cases.Add(node);
            _rows.Add(row);
        }
        foreach (var c in Cases.All.Where(c => !c.Twin && _rows.Any(r => r[0] == c.Name)))
            Note($"{c.Name}: no PyTorch twin (tests/bench/twin.py covers the seed models).");
        if (py != null) Note($"PyTorch here is Debian's python3-torch {py["torch_version"]} calling {Blas(py)} (SGEMM {(double)py["sgemm_gflops"]!:F1} GFLOP/s vs {(_peakAtStart ?? peak).SgemmGflops:F1} through TorchSharp just before it, same size); TS ÷ PT compares the two stacks as installed, in this run only; both stacks' OpenMP workers wait the same way ({AeLab.Runtime.OpenMp.WaitPolicy}).");
        else Note($"PyTorch column skipped: {pyMissing}.");
        if (_bandwidth is { } bw) Note($"roofline = max(train FLOPs ÷ {peak.BestGflops:F1} GFLOP/s, bytes ÷ {bw.BestGBs:F1} GB/s); ÷ roofline = roofline ÷ step time (1 = as fast as this machine's best matrix kernel ({peak.Kernel}) and memory allow; bytes as counted in Traffic.cs: every layer, no caches).");
        if (_o.Quick) Note("quick mode: 1 warm-up and 2-3 timed steps per case; figures are indicative only.");

        ((JsonObject)_root["machine"]!)["loadavg_at_end"] = LoadAverage();
        Note($"load average (1, 5, 15 min) at start {_root["machine"]!["loadavg_at_start"]}, at end {LoadAverage()} on {Environment.ProcessorCount} cores: a load above the core count means other processes competed for them, which slows multi-threaded steps unevenly.");
        _root["pytorch"] = py?.DeepClone();
        if (py == null) _root["pytorch_missing"] = pyMissing;
        _root["cases"] = _cases;
        _root["pipeline"] = _pipeline;
        _root["notes"] = _notes;

        Console.WriteLine();
        Console.WriteLine(Table(peak));
        foreach (var n in _notes) Console.WriteLine("note: " + n);
        Directory.CreateDirectory(Path.GetDirectoryName(_o.JsonPath)!);
        File.WriteAllText(_o.JsonPath, _root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"results: {_o.JsonPath}");
    }

    void Note(string text) => _notes.Add(text);

    /// <summary>The training cell in the notebook kernel ÷ the same work in a plain program (targets: ≤ 1.1 idle, ≤ 1.5 under load).</summary>
    public void Kernel(List<KernelRatio.Result> results)
    {
        var array = new JsonArray();
        Console.WriteLine();
        foreach (var r in results)
        {
            double target = r.Condition == "idle" ? 1.1 : 1.5;
            Console.WriteLine($"kernel ÷ plain, {r.Condition}: {r.Ratio:F2} (target ≤ {target:F1}; training cell {r.Kernel:F2} s in the kernel, " +
                              $"{r.Plain:F2} s in a plain program; medians of {r.KernelSeconds.Length})");
            array.Add(new JsonObject
            {
                ["condition"] = r.Condition, ["ratio"] = Math.Round(r.Ratio, 3), ["target"] = target,
                ["kernel_s"] = JsonSerializer.SerializeToNode(r.KernelSeconds), ["plain_s"] = JsonSerializer.SerializeToNode(r.PlainSeconds),
            });
        }
        _root["kernel_vs_plain"] = new JsonObject
        {
            ["work"] = $"lesson 01's training cell (MLP AE, 2 epochs of {KernelRatio.Images(_o.Quick)} Fashion-MNIST images, batch 512), " +
                       "tests/AeLab.Bench/kernel/training-cell.dib through the lesson runner vs the same calls in a child process",
            ["results"] = array,
        };
    }

    public void KernelFailed(string error)
    {
        Console.WriteLine($"kernel ÷ plain: not measured: {error}");
        _root["kernel_vs_plain"] = new JsonObject { ["error"] = error };
    }

    /// <summary>The summary as a Markdown table (it reads as well on a console as in the README).</summary>
    public string Table(Peak.Result peak)
    {
        var head = new[] { "model", "batch", "step ms", "GFLOP/step", "GFLOP/s", "× peak", "GB/step", "roofline ms", "÷ roofline", "infer img/s", "peak RSS MiB", "RSS growth", "PyTorch ms", "TS ÷ PT" };
        var rows = new List<string[]> { head }.Concat(_rows).ToList();
        var widths = Enumerable.Range(0, head.Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        var sb = new StringBuilder();
        sb.AppendLine($"Matrix peak {peak.BestGflops:F1} GFLOP/s ({peak.Kernel}; SGEMM {peak.SgemmGflops:F1}, float32 convolution {peak.ConvGflops:F1}) at {peak.Threads} threads" +
                      (_bandwidth is { } bw ? $"; memory {bw.BestGBs:F1} GB/s (STREAM copy {bw.CopyGBs:F1}, triad {bw.TriadGBs:F1})" : "") +
                      $"; TorchSharp {_env.TorchSharpVersion}, libtorch {_env.LibTorchVersion}; training steps in {PythonTwin.PrecisionArgument} in both stacks");
        sb.AppendLine();
        for (int r = 0; r < rows.Count; r++)
        {
            sb.Append('|');
            for (int i = 0; i < head.Length; i++) sb.Append(' ').Append(i < 2 ? rows[r][i].PadRight(widths[i]) : rows[r][i].PadLeft(widths[i])).Append(" |");
            sb.AppendLine();
            if (r == 0) sb.AppendLine("|" + string.Concat(widths.Select((w, i) => (i < 2 ? ":" + new string('-', w + 1) : new string('-', w + 1) + ":") + "|")));
        }
        if (_pipelineLines.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("Data pipeline:");
            foreach (var l in _pipelineLines) sb.AppendLine("- " + l);
        }
        return sb.ToString();
    }

    /// <summary>The case's bytes a step and its roofline time (null without a walk or a bandwidth figure).</summary>
    JsonObject? Roofline(BenchCase c, CaseResult ts, Peak.Result peak, bool notes)
    {
        if (c.Walk == null || _bandwidth == null) return null;
        var walk = c.Walk(c.Batch);
        double flopS = ts.TrainGflop * 1e9 / (peak.BestGflops * 1e9), byteS = walk.Bytes / (_bandwidth.BestGBs * 1e9);
        double roofMs = 1000 * Math.Max(flopS, byteS);
        if (notes && ts.Parameters > 0 && walk.OptimizedParameters != ts.Parameters)
            Note($"{c.Name}: the layer walk updates {walk.OptimizedParameters} parameters, the model has {ts.Parameters}: the byte count describes another model.");
        return new JsonObject
        {
            ["gbytes_per_step"] = walk.Bytes / 1e9,
            ["bytes"] = new JsonObject
            {
                ["forward"] = walk.ForwardBytes, ["backward"] = walk.BackwardBytes, ["optimizer"] = walk.OptimizerBytes,
                ["by_kind"] = JsonSerializer.SerializeToNode(walk.BytesByKind()), ["layers"] = walk.Layers.Count,
            },
            ["flop_per_byte"] = ts.TrainGflop * 1e9 / walk.Bytes,
            ["compute_ms"] = 1000 * flopS, ["memory_ms"] = 1000 * byteS,
            ["roofline_ms"] = roofMs, ["bound"] = flopS >= byteS ? "compute" : "memory",
            ["ratio_to_roofline"] = roofMs / ts.StepMs,
            ["roofline_layerwise_ms"] = 1000 * walk.LayerwiseSeconds(peak.BestGflops * 1e9, _bandwidth.BestGBs * 1e9),
        };
    }

    static string F(double v, int digits) => double.IsFinite(v) ? v.ToString("F" + digits, Inv) : "–";

    static string LoadAverage()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "unknown"; }
    }

    static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (line != null) return line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }
}
