using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using AeLab.Data;
using AeLab.Models;
using AeLab.Training;

namespace AeLab.Bench;

/// <summary>
/// A lesson's training cell in the .NET Interactive kernel (through the lesson runner, kernel/training-cell.dib)
/// against the same work in a plain program (a child process of this benchmark), idle and with a competing
/// 2-thread job on the machine. Each side reports the seconds of its training call alone.
/// </summary>
public static class KernelRatio
{
    public sealed record Result(string Condition, double[] KernelSeconds, double[] PlainSeconds)
    {
        public double Kernel => Median(KernelSeconds);
        public double Plain => Median(PlainSeconds);
        public double Ratio => Kernel / Plain;
    }

    /// <summary>What the plain-program child reports.</summary>
    public sealed record Plain(double Seconds);

    // The whole training set in full mode: the kernel process pays a one-time warm-up (about half a second here, gone
    // on a second training cell) that a short cell would overstate; a lesson's cell trains for minutes.
    public static int Images(bool quick) => quick ? 4096 : 60_000;

    /// <summary>The plain program's side: the cell's code, called directly.</summary>
    public static double TrainLikeTheCell(int images)
    {
        var train = FashionMnist.Load(train: true).Take(images);
        var loader = new DataLoader(train, batchSize: 512, shuffle: true, device: Lab.Device);
        var clock = Stopwatch.StartNew();
        var model = new MlpAutoencoder(imageShape: new long[] { 1, 28, 28 }, latentSize: 20, hidden: new[] { 256, 128 });
        Trainer.Fit(model, loader, epochs: 2, learningRate: 1e-3);
        return clock.Elapsed.TotalSeconds;
    }

    public static List<Result> Run(Options o, Func<double?> plainChild)
    {
        var results = new List<Result>();
        int reps = o.Quick ? 1 : 3;
        foreach (var loaded in o.Quick ? new[] { false } : new[] { false, true })
        {
            using var load = loaded ? new CompetingJob(2) : null;
            var kernel = new List<double>(); var plain = new List<double>();
            for (int i = 0; i < reps; i++)
            {
                // Alternate the order so a drift in the machine's load does not favour one side.
                if (i % 2 == 0) { kernel.Add(InKernel(o)); plain.Add(plainChild() ?? double.NaN); }
                else { plain.Add(plainChild() ?? double.NaN); kernel.Add(InKernel(o)); }
            }
            results.Add(new Result(loaded ? "competing 2-thread job" : "idle", kernel.ToArray(), plain.ToArray()));
        }
        return results;
    }

    static double InKernel(Options o)
    {
        var runner = Path.Combine(Paths.Root, "lib", "AeLab.Runner", "bin", "Release", "net10.0", "AeLab.Runner.dll");
        if (!File.Exists(runner)) throw new FileNotFoundException($"{runner} is missing: build it with `dotnet build lib/AeLab.Runner -c Release` (tests/bench.sh does).");
        var outDir = Path.Combine(Path.GetTempPath(), $"aelab-bench-kernel-{Environment.ProcessId}");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { runner, "--out", outDir, Path.Combine(Paths.BenchDir, "kernel", "training-cell.dib") }) psi.ArgumentList.Add(a);
        psi.Environment["AELAB_BENCH_IMAGES"] = Images(o.Quick).ToString(CultureInfo.InvariantCulture);
        psi.Environment["AELAB_THREADS"] = o.Threads.ToString(CultureInfo.InvariantCulture);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var log = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        var notebook = Path.Combine(outDir, "training-cell.ipynb");
        var m = File.Exists(notebook) ? Regex.Match(File.ReadAllText(notebook), @"train-seconds ([0-9.Ee+-]+)") : Match.Empty;
        if (p.ExitCode != 0 || !m.Success) throw new InvalidOperationException($"the kernel run failed (exit {p.ExitCode}):\n{log}\n{err.Result}");
        return double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    static double Median(double[] v)
    {
        var s = v.Where(double.IsFinite).OrderBy(x => x).ToArray();
        return s.Length == 0 ? double.NaN : s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    /// <summary>Busy threads in a separate process (shell loops), as an editor, a browser or another run would be.</summary>
    sealed class CompetingJob : IDisposable
    {
        readonly List<Process> _loops = new();
        public CompetingJob(int threads)
        {
            for (int i = 0; i < threads; i++)
                _loops.Add(Process.Start(new ProcessStartInfo("bash", ["-c", "while :; do :; done"]))!);
        }
        public void Dispose()
        {
            foreach (var p in _loops) { try { p.Kill(); p.WaitForExit(); } catch (InvalidOperationException) { } p.Dispose(); }
        }
    }
}
