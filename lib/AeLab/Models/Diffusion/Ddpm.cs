using AeLab.Core;
using static TorchSharp.torch;

namespace AeLab.Models.Diffusion;

/// <summary>One moment of a sampler's run, for pictures of it: the map x_t entering step t and the clean map
/// x̂_0 = (x_t − √(1 − ᾱ_t) ε̂) / √ᾱ_t the denoiser's ε̂ points to. Both are copies outside any dispose scope: keep them or
/// dispose them.</summary>
public sealed record SamplerStep(int Step, Tensor Noisy, Tensor Predicted)
{
    internal static void Report(Action<SamplerStep>? onStep, int step, Tensor noisy, Func<Tensor> predicted)
    {
        if (onStep is null) return;
        onStep(new SamplerStep(step, noisy.detach().clone().DetachFromDisposeScope(), predicted().detach().DetachFromDisposeScope()));
    }
}

/// <summary>
/// DDPM's ancestral sampler (Ho, Jain &amp; Abbeel 2020, "Denoising Diffusion Probabilistic Models", Algorithm 2): from
/// x_T ~ N(0, I), for t = T−1 … 0,
/// x_{t−1} = (x_t − β_t / √(1 − ᾱ_t) · ε_θ(x_t, t)) / √α_t + σ_t z with z ~ N(0, I) (none at the last step) and
/// σ_t² = β̃_t = (1 − ᾱ_{t−1}) / (1 − ᾱ_t) · β_t, the variance of q(x_{t−1} | x_t, x_0).
/// </summary>
public static class Ddpm
{
    /// <summary>One reverse step from x_t at step <paramref name="t"/>, given the predicted noise ε̂ and the fresh noise z
    /// (ignored at t = 0, where σ_0 = 0).</summary>
    public static Tensor Step(NoiseSchedule schedule, Tensor xt, int t, Tensor predictedNoise, Tensor noise)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        SameShape(xt, predictedNoise, nameof(predictedNoise));
        SameShape(xt, noise, nameof(noise));
        if (t < 0 || t >= schedule.Steps) throw new ArgumentOutOfRangeException(nameof(t), t, $"A step of this schedule lies in 0…{schedule.Steps - 1}.");
        double alpha = schedule.Alpha(t), beta = schedule.Beta(t), alphaBar = schedule.AlphaBar(t);
        using var mean = (xt - beta / Math.Sqrt(1 - alphaBar) * predictedNoise) / Math.Sqrt(alpha);
        return t == 0 ? mean.clone() : mean + Math.Sqrt(schedule.PosteriorVariance(t)) * noise;
    }

    /// <summary>Runs all T steps from <paramref name="start"/> = x_T [B, C, H, W] in eval mode without gradients; returns x_0.
    /// <paramref name="onStep"/> sees every step.</summary>
    public static Tensor Sample(Denoiser model, Tensor start, Action<SamplerStep>? onStep = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.CheckMaps(start, nameof(start));
        var schedule = model.Schedule;
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            var x = start.to(model.DeviceOf()).clone();
            for (int t = schedule.Steps - 1; t >= 0; t--)
                using (NewDisposeScope())
                {
                    var steps = full(new[] { x.shape[0] }, t, dtype: int64, device: x.device);
                    var eps = model.forward(x, steps);
                    SamplerStep.Report(onStep, t, x, () => Ddim.PredictX0(schedule, x, t, eps));
                    var next = Step(schedule, x, t, eps, t == 0 ? zeros_like(x) : randn_like(x)).MoveToOuterDisposeScope();
                    x.Dispose();
                    x = next;
                }
            return x;
        }
        finally { model.train(wasTraining); }
    }

    internal static void SameShape(Tensor xt, Tensor other, string argument)
    {
        ArgumentNullException.ThrowIfNull(xt);
        ArgumentNullException.ThrowIfNull(other, argument);
        if (!other.shape.SequenceEqual(xt.shape))
            throw Expect.Mismatch("The sampler", argument, $"with the shape of x_t, {Expect.ShapeOf(xt)}", Expect.ShapeOf(other));
    }
}
