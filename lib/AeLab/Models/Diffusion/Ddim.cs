using AeLab.Core;
using static TorchSharp.torch;

namespace AeLab.Models.Diffusion;

/// <summary>
/// DDIM (Song, Meng &amp; Ermon 2021, "Denoising Diffusion Implicit Models"): the same trained denoiser, sampled on a
/// short subsequence of the steps. From x_t, the denoiser's ε̂ gives x̂_0 = (x_t − √(1 − ᾱ_t) ε̂) / √ᾱ_t, and the
/// next (earlier) step s is x_s = √ᾱ_s x̂_0 + √(1 − ᾱ_s − σ²) ε̂ + σ z with
/// σ = η √((1 − ᾱ_s) / (1 − ᾱ_t)) √(1 − ᾱ_t / ᾱ_s). η = 0 adds no noise at all: x_0 is a fixed function of x_T.
/// η = 1 on every step is DDPM's ancestral sampler.
/// </summary>
public static class Ddim
{
    /// <summary>The <paramref name="count"/> steps DDIM visits, from the last (T−1) down, evenly spaced ("trailing":
    /// ⌊T − i·T/count⌉ − 1 for i = 0 … count−1, so the first is always pure noise's step T−1); after the last it lands on x_0.</summary>
    public static int[] Timesteps(int steps, int count)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be at least 1.");
        if (count < 1 || count > steps)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"DDIM visits between 1 and T = {steps} steps.");
        return Enumerable.Range(0, count).Select(i => (int)Math.Round(steps - i * (double)steps / count, MidpointRounding.AwayFromZero) - 1).ToArray();
    }

    /// <summary>x̂_0 = (x_t − √(1 − ᾱ_t) ε̂) / √ᾱ_t: the clean map the predicted noise points to.</summary>
    public static Tensor PredictX0(NoiseSchedule schedule, Tensor xt, int t, Tensor predictedNoise)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        Ddpm.SameShape(xt, predictedNoise, nameof(predictedNoise));
        double alphaBar = schedule.AlphaBar(t);
        return (xt - Math.Sqrt(1 - alphaBar) * predictedNoise) / Math.Sqrt(alphaBar);
    }

    /// <summary>One DDIM step from x_t at step <paramref name="t"/> to step <paramref name="next"/> (earlier; −1 means x_0),
    /// given ε̂; with η &gt; 0 it adds σ·<paramref name="noise"/> (which may then not be null).</summary>
    public static Tensor Step(NoiseSchedule schedule, Tensor xt, int t, int next, Tensor predictedNoise, double eta = 0, Tensor? noise = null)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        if (t < 0 || t >= schedule.Steps) throw new ArgumentOutOfRangeException(nameof(t), t, $"A step of this schedule lies in 0…{schedule.Steps - 1}.");
        if (next < -1 || next >= t) throw new ArgumentOutOfRangeException(nameof(next), next, $"The next step must come before t = {t} (−1 for x_0).");
        if (eta < 0) throw new ArgumentOutOfRangeException(nameof(eta), eta, "eta must be 0 or more.");
        if (eta > 0 && noise is null) throw new ArgumentNullException(nameof(noise), "With eta > 0 the step adds noise: pass randn_like(xt).");
        if (noise is not null) Ddpm.SameShape(xt, noise, nameof(noise));
        double alphaBar = schedule.AlphaBar(t), alphaBarNext = schedule.AlphaBar(next);
        double sigma = eta * Math.Sqrt((1 - alphaBarNext) / (1 - alphaBar) * (1 - alphaBar / alphaBarNext));
        using var scope = NewDisposeScope();
        var x0 = PredictX0(schedule, xt, t, predictedNoise);
        var x = Math.Sqrt(alphaBarNext) * x0 + Math.Sqrt(Math.Max(1 - alphaBarNext - sigma * sigma, 0)) * predictedNoise;
        if (sigma > 0) x = x + sigma * noise!;
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>Runs DDIM from <paramref name="start"/> = x_T [B, C, H, W] over <paramref name="steps"/> of the schedule's steps
    /// (<see cref="Timesteps"/>), in eval mode without gradients; returns x_0. <paramref name="onStep"/> sees every step.</summary>
    public static Tensor Sample(Denoiser model, Tensor start, int steps = 50, double eta = 0, Action<SamplerStep>? onStep = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.CheckMaps(start, nameof(start));
        var schedule = model.Schedule;
        var visits = Timesteps(schedule.Steps, steps);
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            var x = start.to(model.DeviceOf()).clone();
            for (int i = 0; i < visits.Length; i++)
                using (NewDisposeScope())
                {
                    int t = visits[i], next = i + 1 < visits.Length ? visits[i + 1] : -1;
                    var eps = model.forward(x, full(new[] { x.shape[0] }, t, dtype: int64, device: x.device));
                    SamplerStep.Report(onStep, t, x, () => PredictX0(schedule, x, t, eps));
                    var result = Step(schedule, x, t, next, eps, eta, eta > 0 ? randn_like(x) : null).MoveToOuterDisposeScope();
                    x.Dispose();
                    x = result;
                }
            return x;
        }
        finally { model.train(wasTraining); }
    }
}
