using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using AeLab.Bench;

// The benchmark: the parent measures the matrix-product peak and the memory bandwidth, then runs every case and every pipeline measurement
// in a child process of its own (clean peak memory per model) and the PyTorch twin of each case, then
// prints the table and writes the JSON. See README.md.
Options o;
try { o = Options.Parse(args); }
catch (HelpRequested) { Console.WriteLine(Options.Help); return 0; }
catch (ArgumentException e) { Console.Error.WriteLine("bench: " + e.Message); return 2; }

Lab.Init(seed: 0, threads: o.Threads, device: "cpu");
if (o.SelfTest || (o.Quick && o.Case == null && o.PipelineCase == null && o.ProfileCase == null && o.KernelPlainImages == null))
{
    Console.WriteLine("Counting self-test (FLOP and byte walks):");
    var failures = SelfTest.Run(Console.Out);
    if (failures.Count > 0) { Console.Error.WriteLine($"bench: {failures.Count} counting check(s) failed."); return 1; }
    if (o.SelfTest) return 0;
}
var json = new JsonSerializerOptions { WriteIndented = true };

if (o.Case != null)
{
    var r = CaseRunner.Run(Cases.Find(o.Case), o);
    File.WriteAllText(o.ResultPath!, JsonSerializer.Serialize(r, json));
    return 0;
}
if (o.ProfileCase != null)
{
    File.WriteAllText(o.ResultPath!, JsonSerializer.Serialize(CaseRunner.Profile(Cases.Find(o.ProfileCase), o, o.ProfileSteps)));
    return 0;
}
if (o.KernelPlainImages is { } images)
{
    File.WriteAllText(o.ResultPath!, JsonSerializer.Serialize(new KernelRatio.Plain(KernelRatio.TrainLikeTheCell(images))));
    return 0;
}
if (o.PipelineCase != null)
{
    var r = Pipeline.Run(o.PipelineCase, o);
    File.WriteAllText(o.ResultPath!, JsonSerializer.Serialize(r, json));
    return 0;
}

var env = Lab.Current;
var report = new Report(o, env);
report.Header();

var peak = Peak.Measure(o.Quick);
report.Peak(peak);
report.Bandwidth(Bandwidth.Stream(o.Quick));

JsonObject? py = null;
string? pyMissing = "not run (--quick or --no-python; --python runs it)";
if (o.RunPython)
{
    (py, pyMissing) = PythonTwin.Probe(o.Threads, peak.N, peak.Reps);
    report.PythonProbe(py, pyMissing);
}

var wanted = Cases.All.Where(c => o.Only.Count == 0 || o.Only.Any(p => c.Name.StartsWith(p, StringComparison.Ordinal))).ToList();
if (o.Profile)
{
    var profiles = new JsonObject();
    foreach (var c in wanted)
    {
        var (ms, error, stdout) = Child<double[]>("--profile-case", c.Name, KernelProfile.Env);
        if (ms == null) { Console.WriteLine($"{c.Name}: profile failed: {error}"); continue; }
        var ts = new KernelProfile.Side(ms.Length, Measure.Median(ms), KernelProfile.Parse(stdout));
        var (pt, ptError) = py != null && c.Twin ? KernelProfile.Twin(c.Name, o, o.ProfileSteps) : (null, pyMissing ?? "no twin");
        Console.WriteLine();
        Console.Write(KernelProfile.Table(c.Name, ts, pt));
        if (ptError != null) Console.WriteLine($"(PyTorch: {ptError})");
        profiles[c.Name] = new JsonObject { ["torchsharp"] = KernelProfile.ToJson(ts), ["pytorch"] = pt == null ? null : KernelProfile.ToJson(pt) };
    }
    Directory.CreateDirectory(Path.GetDirectoryName(o.JsonPath)!);
    File.WriteAllText(o.JsonPath, new JsonObject { ["profile"] = profiles, ["peak"] = JsonSerializer.SerializeToNode(peak) }.ToJsonString(json));
    Console.WriteLine($"\nJSON: {o.JsonPath}");
    return 0;
}
foreach (var c in wanted)
{
    // Each run is a process of its own; with --repeat the two stacks alternate, so a change in the machine's load
    // falls on both, and the median run of each is reported (every run's step time goes into the JSON).
    var tsRuns = new List<CaseResult>();
    var ptRuns = new List<JsonObject>();
    string? error = null, ptError = null;
    for (int r = 0; r < o.Repeat; r++)
    {
        var (ts, e, _) = Child<CaseResult>("--case", c.Name);
        if (ts == null) { error = e; break; }
        tsRuns.Add(ts);
        if (py == null || !c.Twin) continue;
        var pt = PythonTwin.RunCase(c.Name, o);
        if (pt.Result != null) ptRuns.Add(pt.Result); else ptError = pt.Error;
    }
    var tsMedian = tsRuns.OrderBy(t => t.StepMs).ElementAtOrDefault((tsRuns.Count - 1) / 2);
    var ptMedian = ptRuns.OrderBy(p => p["step_ms"]!.GetValue<double>()).ElementAtOrDefault((ptRuns.Count - 1) / 2);
    report.Case(c, error == null ? tsMedian : null, error, ptMedian, ptMedian == null ? ptError : null, peak,
        tsRuns.Select(t => t.StepMs).ToList(), ptRuns.Select(p => p["step_ms"]!.GetValue<double>()).ToList());
}

if (o.Pipeline && o.Only.Count == 0)
    foreach (var p in Pipeline.Names)
    {
        var (r, error, _) = Child<PipelineResult>("--pipeline-case", p);
        report.Pipeline(p, r, error);
    }

if (o.Kernel && (o.Only.Count == 0 || o.Only.Contains("kernel")))
{
    try { report.Kernel(KernelRatio.Run(o, () => Child<KernelRatio.Plain>("--kernel-plain", KernelRatio.Images(o.Quick).ToString()).Result?.Seconds)); }
    catch (Exception e) when (e is InvalidOperationException or FileNotFoundException) { report.KernelFailed(e.Message); }
}

// The limits again: load from other work lowers either measurement, so the run uses the better of the two.
var bestPeak = report.LimitsAtEnd(peak, Peak.Measure(o.Quick), Bandwidth.Stream(o.Quick));
report.Finish(bestPeak, py, pyMissing);
return 0;

// Runs this program again in the given child mode; its result comes back through a JSON file.
(T? Result, string? Error, string Stdout) Child<T>(string mode, string name, IReadOnlyDictionary<string, string>? env = null) where T : class
{
    var resultPath = Path.Combine(Path.GetTempPath(), $"aelab-bench-{Environment.ProcessId}-{name}.json");
    var psi = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
    if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet") psi.ArgumentList.Add(typeof(Report).Assembly.Location);
    foreach (var a in new[] { mode, name, "--result", resultPath }.Concat(o.ChildArgs())) psi.ArgumentList.Add(a);
    foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
    using var p = Process.Start(psi)!;
    var stderr = p.StandardError.ReadToEndAsync();
    var stdout = p.StandardOutput.ReadToEnd();
    p.WaitForExit();
    try
    {
        if (p.ExitCode != 0 || !File.Exists(resultPath))
        {
            var lines = (stderr.Result + stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return (null, lines.FirstOrDefault(l => l.Contains("Exception")) ?? lines.LastOrDefault() ?? $"exit code {p.ExitCode}", stdout);
        }
        return (JsonSerializer.Deserialize<T>(File.ReadAllText(resultPath)), null, stdout);
    }
    finally { File.Delete(resultPath); }
}
