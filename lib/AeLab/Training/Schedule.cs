using TorchSharp;
using static TorchSharp.torch.optim;
using static TorchSharp.torch.optim.lr_scheduler;

namespace AeLab.Training;

/// <summary>
/// A learning-rate schedule the trainer builds once it knows the run's length, wrapping TorchSharp's
/// own schedulers. It also knows whether it steps after every batch (one-cycle) or every epoch.
/// </summary>
/// <param name="Name">Short description shown in logs.</param>
/// <param name="PerBatch">True: the trainer calls step() after every optimizer step; false: after every epoch.</param>
/// <param name="Create">Builds the scheduler from the optimizer, the total epochs and the batches per epoch.</param>
public sealed record Schedule(string Name, bool PerBatch, Func<Optimizer, int, int, LRScheduler> Create)
{
    /// <summary>One-cycle (seed 000): warm up to <paramref name="maxLr"/>, then anneal far below it; steps per batch.</summary>
    public static Schedule OneCycle(double maxLr, double pctStart = 0.3) =>
        new($"one-cycle (max lr {maxLr})", true,
            (opt, epochs, steps) => OneCycleLR(opt, maxLr, epochs: epochs, steps_per_epoch: steps, pct_start: pctStart));

    /// <summary>Linear decay of the learning rate from its start value to <paramref name="endFactor"/> × it over the run; steps per epoch.</summary>
    public static Schedule LinearDecay(double endFactor = 0.0) =>
        new($"linear decay to {endFactor}×", false,
            (opt, epochs, _) => LinearLR(opt, start_factor: 1.0, end_factor: endFactor, total_iters: epochs));

    /// <summary>Cosine annealing from the start learning rate to <paramref name="minLr"/> over the run; steps per epoch.</summary>
    public static Schedule Cosine(double minLr = 0.0) =>
        new($"cosine to {minLr}", false,
            (opt, epochs, _) => CosineAnnealingLR(opt, T_max: epochs, eta_min: minLr));

    public override string ToString() => Name;
}
