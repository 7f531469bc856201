using static TorchSharp.torch;

namespace AeLab.Bench;

/// <summary>What one case measured, in one process of its own (so the peak memory is its own).</summary>
public sealed record CaseResult(
    string Case, string Lesson, int Batch, int Threads,
    double StepMs, double[] StepMsAll, int Steps, int Warmup,
    double ForwardGflop, double TrainGflop, double Gflops,
    double InferImagesPerS, double InferMs,
    double RssAfterWarmupMiB, double RssEndMiB, double RssGrowth, int GrowthSteps, double PeakRssMiB,
    long Parameters = 0);

/// <summary>
/// Times one case the way the trainer trains: per step, inside a dispose scope, clear gradients → loss (in the
/// trainer's precision) → backward → optimizer step, on one fixed batch. Warm-up steps first (allocator and kernel choice), then
/// the median of timed steps; more steps for the memory trend; then inference in eval mode under no_grad.
/// </summary>
public static class CaseRunner
{
    public static CaseResult Run(BenchCase c, Options o)
    {
        Lab.Seed(0);
        using var built = c.Build();
        using var x = c.Input(c.Batch);
        built.Module.train();
        var Step = TrainStep(built, x);

        double last = 0;
        for (int i = 0; i < o.Warmup; i++) last = Measure.Seconds(Step);
        double rssWarm = Measure.StatusMiB("VmRSS");
        int n = Measure.Count(last, o.StepBudget, o.MinSteps, o.MaxSteps);
        var steps = new List<double>();
        for (int i = 0; i < n; i++) steps.Add(Measure.Seconds(Step));
        double median = Measure.Median(steps);
        int extra = o.GrowthSteps > n ? Measure.Count(median, o.StepBudget, 0, o.GrowthSteps - n) : 0;
        for (int i = 0; i < extra; i++) Step();
        double rssEnd = Measure.StatusMiB("VmRSS");

        built.Module.eval();
        var infer = new List<double>();
        using (no_grad())
        {
            for (int i = 0; i < o.Warmup + Math.Max(3, n); i++)
            {
                double t = Measure.Seconds(() => { using (NewDisposeScope()) built.Infer(x); });
                if (i >= o.Warmup) infer.Add(t);
            }
        }
        double inferMedian = Measure.Median(infer);

        double macs = c.ForwardMacs(c.Batch);
        double train = Flops.TrainStep(macs);
        return new CaseResult(c.Name, c.Lesson, c.Batch, get_num_threads(),
            1000 * median, steps.Select(s => 1000 * s).ToArray(), n, o.Warmup,
            Flops.Forward(macs) / 1e9, train / 1e9, train / median / 1e9,
            c.Batch / inferMedian, 1000 * inferMedian,
            rssWarm, rssEnd, rssEnd / rssWarm, n + extra, Measure.StatusMiB("VmHWM"),
            built.Module.parameters().Sum(p => p.numel()));
    }

    /// <summary>
    /// The kernel profile's child (<see cref="KernelProfile"/>): warm-up steps, then <paramref name="steps"/> steps
    /// between two marker lines on stdout, so that the parent counts only their kernel calls. Returns each step's ms.
    /// </summary>
    public static double[] Profile(BenchCase c, Options o, int steps)
    {
        Lab.Seed(0);
        using var built = c.Build();
        using var x = c.Input(c.Batch);
        built.Module.train();
        var step = TrainStep(built, x);
        for (int i = 0; i < o.Warmup; i++) step();
        KernelProfile.Mark(KernelProfile.Begin);
        var ms = new double[steps];
        for (int i = 0; i < steps; i++) ms[i] = 1000 * Measure.Seconds(step);
        KernelProfile.Mark(KernelProfile.End);
        return ms;
    }

    static Action TrainStep(Built built, Tensor x) => () =>
    {
        using (NewDisposeScope())
        {
            built.Optimizer.ClearGradients();
            Tensor loss;
            using (AeLab.Runtime.Precision.TrainingScope(CPU)) loss = built.Loss(x);   // as the trainer: AELAB_PRECISION, else auto
            loss.backward();
            built.Optimizer.step();
        }
    };
}
