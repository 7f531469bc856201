using System.Diagnostics;
using static TorchSharp.torch;

namespace AeLab.Models.Diffusion;

/// <summary>
/// One run of a sampler (DDPM or DDIM) recorded at chosen steps, for a strip of pictures: the map x_t entering each
/// kept step and the clean map x̂_0 the denoiser points to there (<see cref="SamplerStep"/>), the result x_0, and the
/// seconds the whole run took.
/// <code>
/// var strip = SamplerStrip.Ddim(denoiser, denoiser.StartNoise(1), steps: 50, shown: 10);
/// Images.Rows(new[] { ("x_t", strip.NoisyRow(decode)), ("predicted x̂₀", strip.PredictedRow(decode)) })
/// </code>
/// </summary>
public sealed record SamplerStrip(Tensor Result, IReadOnlyList<SamplerStep> Steps, double Seconds)
{
    /// <summary>Runs <paramref name="run"/> (a sampler given the step callback) and keeps the steps listed in
    /// <paramref name="keep"/>, in the order the sampler visits them.</summary>
    public static SamplerStrip Record(Func<Action<SamplerStep>, Tensor> run, IEnumerable<int> keep)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(keep);
        var kept = new HashSet<int>(keep);
        var steps = new List<SamplerStep>();
        var watch = Stopwatch.StartNew();
        var result = run(s =>
        {
            if (kept.Contains(s.Step)) steps.Add(s);
            else { s.Noisy.Dispose(); s.Predicted.Dispose(); }
        });
        return new SamplerStrip(result, steps, watch.Elapsed.TotalSeconds);
    }

    /// <summary>DDIM in <paramref name="steps"/> steps (η = 0) from <paramref name="start"/> = x_T, keeping
    /// <paramref name="shown"/> of the steps it visits, evenly spaced from the first (T−1) to the last.</summary>
    public static SamplerStrip Ddim(Denoiser model, Tensor start, int steps = 50, int shown = 10)
    {
        ArgumentNullException.ThrowIfNull(model);
        var visits = Diffusion.Ddim.Timesteps(model.Schedule.Steps, steps);
        return Record(onStep => Diffusion.Ddim.Sample(model, start, steps, onStep: onStep), Evenly(visits, shown));
    }

    /// <summary>DDPM over all T steps from <paramref name="start"/> = x_T, keeping <paramref name="shown"/> steps evenly
    /// spaced from T−1 down to 0.</summary>
    public static SamplerStrip Ddpm(Denoiser model, Tensor start, int shown = 10)
    {
        ArgumentNullException.ThrowIfNull(model);
        var visits = Enumerable.Range(0, model.Schedule.Steps).Reverse().ToArray();
        return Record(onStep => Diffusion.Ddpm.Sample(model, start, onStep), Evenly(visits, shown));
    }

    /// <summary><paramref name="count"/> entries of <paramref name="steps"/>, evenly spaced from its first to its last
    /// (entry ⌊i·(n − 1)/(count − 1)⌉ for i = 0 … count−1); all of them when there are no more than <paramref name="count"/>.</summary>
    public static int[] Evenly(IReadOnlyList<int> steps, int count)
    {
        ArgumentNullException.ThrowIfNull(steps);
        if (steps.Count == 0) throw new ArgumentException("There are no steps to choose from.", nameof(steps));
        if (count < 2) throw new ArgumentOutOfRangeException(nameof(count), count, "count must be at least 2 (the first and the last step).");
        if (steps.Count <= count) return steps.ToArray();
        return Enumerable.Range(0, count).Select(i => steps[(int)Math.Round(i * (steps.Count - 1) / (double)(count - 1))]).ToArray();
    }

    /// <summary>The kept steps' numbers, in the order the sampler visited them.</summary>
    public int[] StepNumbers => Steps.Select(s => s.Step).ToArray();

    /// <summary>Item <paramref name="item"/>'s x_t at every kept step, then its result, each through <paramref name="decode"/>
    /// (e.g. a latent model's decoder), without gradients, concatenated along the batch dimension.</summary>
    public Tensor NoisyRow(Func<Tensor, Tensor> decode, int item = 0) =>
        Row(decode, Steps.Select(s => s.Noisy).Append(Result), item);

    /// <summary>Item <paramref name="item"/>'s predicted x̂_0 at every kept step (then its result, with
    /// <paramref name="withResult"/>), each through <paramref name="decode"/>, without gradients.</summary>
    public Tensor PredictedRow(Func<Tensor, Tensor> decode, int item = 0, bool withResult = false)
    {
        var maps = Steps.Select(s => s.Predicted);
        return Row(decode, withResult ? maps.Append(Result) : maps, item);
    }

    Tensor Row(Func<Tensor, Tensor> decode, IEnumerable<Tensor> maps, int item)
    {
        ArgumentNullException.ThrowIfNull(decode);
        if (item < 0 || item >= Result.shape[0])
            throw new ArgumentOutOfRangeException(nameof(item), item, $"The strip holds {Result.shape[0]} sample(s): item lies in 0…{Result.shape[0] - 1}.");
        using var _ = no_grad();
        var images = maps.Select(m => { using var one = m.narrow(0, item, 1); return decode(one); }).ToArray();
        var row = cat(images);
        foreach (var image in images) image.Dispose();
        return row;
    }
}
