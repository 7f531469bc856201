using AeLab.Data;
using AeLab.Display;
using AeLab.Models;
using AeLab.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Evaluation;

/// <summary>One model on one noise level: the per-pixel MSE of its output, fed x + ε with ε ~ N(0, σ²), to the clean x.</summary>
/// <param name="TrainedSigma">The noise level the model was trained on; null for a model never trained on noise.</param>
public sealed record DenoisingResult(string Model, double? TrainedSigma, double TestSigma, double Mse)
{
    /// <summary>The noisy input's own MSE, σ² (unclipped Gaussian noise), divided by the output's: the denoising factor.</summary>
    public double Factor => TestSigma * TestSigma / Mse;
}

/// <summary>Lesson 03's denoising measurements: every model on every test noise level, as a table with a one-line reading.</summary>
public static class DenoisingStudy
{
    /// <summary>
    /// Each model's MSE to the clean images when fed the images with Gaussian noise of each σ in <paramref name="testSigmas"/>
    /// (unclipped, <see cref="DenoisingAutoencoder.AddNoise"/>), the random noise reseeded with <paramref name="seed"/> for
    /// every (model, σ) so that all models see the same noisy images.
    /// </summary>
    public static IReadOnlyList<DenoisingResult> Measure(IEnumerable<(string Name, double? TrainedSigma, nn.Module<Tensor, Tensor> Model)> models,
        IReadOnlyList<double> testSigmas, IEnumerable<Batch> batches, int seed = 11)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(testSigmas);
        if (testSigmas.Count == 0 || testSigmas.Any(s => !(s > 0)))
            throw new ArgumentException("DenoisingStudy.Measure needs one or more noise levels σ > 0.", nameof(testSigmas));
        var results = new List<DenoisingResult>();
        foreach (var (name, trained, model) in models)
            foreach (var sigma in testSigmas)
            {
                Lab.Seed(seed);
                results.Add(new DenoisingResult(name, trained, sigma, ReconstructionError.Mse(model, batches, x => DenoisingAutoencoder.AddNoise(x, sigma))));
            }
        if (results.Count == 0) throw new ArgumentException("DenoisingStudy.Measure needs at least one model.", nameof(models));
        return results;
    }

    /// <summary>One row per test σ: the noisy input's MSE (σ²), then each model's MSE to the clean image; under it the
    /// <see cref="Reading"/> at <paramref name="headlineSigma"/>.</summary>
    public static Table Table(IReadOnlyList<DenoisingResult> results, double headlineSigma)
    {
        ArgumentNullException.ThrowIfNull(results);
        var models = results.Select(r => r.Model).Distinct().ToArray();
        var sigmas = results.Select(r => r.TestSigma).Distinct().OrderBy(s => s).ToArray();
        var table = new Table(new[] { "test σ", "noisy input" }.Concat(models).ToArray()).Format("test σ", "F1");
        foreach (var c in new[] { "noisy input" }.Concat(models)) table.Format(c, "F4");
        foreach (var s in sigmas)
            table.Row(new object?[] { s, s * s }.Concat(models.Select(m => (object?)results.Single(r => r.Model == m && r.TestSigma == s).Mse)).ToArray());
        return table.Verdict(Reading(results, headlineSigma));
    }

    /// <summary>
    /// At <paramref name="headlineSigma"/>: the denoising factor of the model trained on that σ and of every model never
    /// trained on noise; then whether each test σ is best served by the denoiser trained on it.
    /// "at test σ = 0.5 the MSE falls 12.6× through the σ = 0.5 denoiser, 2.9× through the plain AE; each σ is best
    /// denoised by the model trained on it".
    /// </summary>
    public static string Reading(IReadOnlyList<DenoisingResult> results, double headlineSigma)
    {
        ArgumentNullException.ThrowIfNull(results);
        var at = results.Where(r => r.TestSigma == headlineSigma).ToList();
        if (at.Count == 0)
            throw new ArgumentException($"No result at test σ = {headlineSigma}; the test σ are {string.Join(", ", results.Select(r => r.TestSigma).Distinct())}.", nameof(headlineSigma));
        var headline = at.Where(r => r.TrainedSigma == headlineSigma).Concat(at.Where(r => r.TrainedSigma is null))
            .Select(r => $"{r.Factor:F1}× through the {r.Model}");
        var best = results.GroupBy(r => r.TestSigma).OrderBy(g => g.Key).Select(g => (Sigma: g.Key, Best: g.MinBy(r => r.Mse)!)).ToList();
        var ownBest = best.All(b => b.Best.TrainedSigma == b.Sigma)
            ? "each σ is best denoised by the model trained on it"
            : "best at each σ: " + string.Join(", ", best.Select(b => $"{b.Sigma:F1} the {b.Best.Model}"));
        return $"at test σ = {headlineSigma:F1} the MSE falls {string.Join(", ", headline)}; {ownBest}";
    }
}
