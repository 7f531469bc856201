using System.Diagnostics;
using AeLab.Runtime;
using static TorchSharp.torch;

namespace AeLab.Evaluation;

/// <summary>
/// Lesson 12's score as one object: a classifier's features of a fixed set of reference images (the test images),
/// fitted once, and the Fréchet distance of any other set of images to them (<see cref="FrechetDistance"/>).
/// <code>
/// var scorer = new FrechetScorer(classifier, testImages);
/// scorer.Score(samples)                        // d² with its mean and covariance terms
/// </code>
/// </summary>
public sealed class FrechetScorer : IDisposable
{
    readonly FashionClassifier _classifier;

    /// <summary>Scores against <paramref name="referenceImages"/> [N, 1, 28, 28] in [0, 1] on <paramref name="classifier"/>'s features.</summary>
    public FrechetScorer(FashionClassifier classifier, Tensor referenceImages)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(referenceImages);
        _classifier = classifier;
        using var features = classifier.FeaturesOf(referenceImages);
        Reference = FeatureStatistics.Of(features);
    }

    FrechetScorer(FashionClassifier classifier, FeatureStatistics reference)
    {
        _classifier = classifier;
        Reference = reference;
    }

    /// <summary>Scores against reference images whose features [N, D] (from <paramref name="classifier"/>'s
    /// <see cref="FashionClassifier.FeaturesOf"/>) are already computed.</summary>
    public static FrechetScorer FromFeatures(FashionClassifier classifier, Tensor referenceFeatures)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(referenceFeatures);
        if (referenceFeatures.dim() != 2 || referenceFeatures.shape[1] != classifier.FeatureSize)
            throw new ArgumentException($"referenceFeatures must be [N, {classifier.FeatureSize}], the classifier's features; " +
                                        $"got [{string.Join(", ", referenceFeatures.shape)}].", nameof(referenceFeatures));
        return new FrechetScorer(classifier, FeatureStatistics.Of(referenceFeatures));
    }

    /// <summary>The reference images' feature mean and covariance.</summary>
    public FeatureStatistics Reference { get; }

    /// <summary>Number of reference images.</summary>
    public long Count => Reference.Count;

    /// <summary>d² between <paramref name="images"/> [M, 1, 28, 28] in [0, 1] and the reference images.</summary>
    public FrechetScore Score(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        using var features = _classifier.FeaturesOf(images);
        using var stats = FeatureStatistics.Of(features);
        return FrechetDistance.Compute(Reference, stats);
    }

    /// <summary>
    /// d² of <paramref name="images"/> and its spread: the standard deviation of d² over <paramref name="resamples"/>
    /// bootstrap resamplings of the images (drawn with replacement, as many as there are; the reference images held
    /// fixed). It estimates how far the score would move with another draw of as many samples from the same generator,
    /// at the cost of one pass of the classifier.
    /// </summary>
    public (FrechetScore Score, double Spread) ScoreWithSpread(Tensor images, int resamples = 20, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (resamples < 2) throw new ArgumentOutOfRangeException(nameof(resamples), resamples, "resamples must be at least 2.");
        using var features = _classifier.FeaturesOf(images);
        FrechetScore score;
        using (var stats = FeatureStatistics.Of(features)) score = FrechetDistance.Compute(Reference, stats);
        Lab.Seed(seed);
        long n = features.shape[0];
        var values = new double[resamples];
        for (int i = 0; i < resamples; i++)
        {
            using var scope = NewDisposeScope();
            using var stats = FeatureStatistics.Of(features.index_select(0, randint(0, n, new[] { n }, dtype: ScalarType.Int64)));
            values[i] = FrechetDistance.Compute(Reference, stats).Squared;
        }
        double mean = values.Average();
        return (score, Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (resamples - 1)));
    }

    /// <summary>The score of <paramref name="images"/> with Gaussian noise of each σ in <paramref name="sigmas"/> added
    /// (clamped to [0, 1]), each drawn after seeding with <paramref name="seed"/>.</summary>
    public IReadOnlyList<FrechetScore> ScoreWithNoise(Tensor images, IEnumerable<double> sigmas, long seed)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(sigmas);
        var scores = new List<FrechetScore>();
        foreach (var sigma in sigmas)
        {
            if (!(sigma >= 0)) throw new ArgumentOutOfRangeException(nameof(sigmas), sigma, "Every σ must be 0 or more.");
            Lab.Seed(seed);
            using var scope = NewDisposeScope();
            scores.Add(Score((images + sigma * randn_like(images)).clamp(0, 1)));
        }
        return scores;
    }

    /// <summary>
    /// Draws <paramref name="n"/> images from <paramref name="sample"/> in batches of <paramref name="batch"/>, without
    /// gradients, each batch clamped to [0, 1] and moved to the CPU; returns them with the time per 1 000 images.
    /// </summary>
    public static (Tensor Images, double SecondsPer1000) Draw(Func<int, Tensor> sample, int n, int batch = 1000)
    {
        ArgumentNullException.ThrowIfNull(sample);
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "n must be at least 1.");
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch must be at least 1.");
        var parts = new List<Tensor>();
        var watch = Stopwatch.StartNew();
        using (no_grad())
            for (int done = 0; done < n; done += batch)
                using (NewDisposeScope())
                    parts.Add(sample(Math.Min(batch, n - done)).clamp(0, 1).cpu().MoveToOuterDisposeScope());
        double seconds = watch.Elapsed.TotalSeconds;
        var images = cat(parts.ToArray());
        foreach (var p in parts) p.Dispose();
        return (images, seconds / n * 1000);
    }

    /// <summary>Mean squared error per pixel between <paramref name="images"/> [N, …] in [0, 1] and their reconstructions
    /// by <paramref name="reconstruct"/> (clamped to [0, 1]), without gradients, in batches on <paramref name="device"/>.</summary>
    public static double ReconstructionMse(Func<Tensor, Tensor> reconstruct, Tensor images, Device device, int batch = 1000)
    {
        ArgumentNullException.ThrowIfNull(reconstruct);
        ArgumentNullException.ThrowIfNull(images);
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch must be at least 1.");
        double sum = 0;
        using (no_grad())
            for (long i = 0; i < images.shape[0]; i += batch)
                using (NewDisposeScope())
                {
                    var x = images.narrow(0, i, Math.Min(batch, images.shape[0] - i)).to(device);
                    sum += (reconstruct(x).clamp(0, 1) - x).square().sum().item<float>();
                }
        return sum / images.numel();
    }

    /// <summary>Number of parameters of <paramref name="modules"/> together.</summary>
    public static long Parameters(params nn.Module[] modules) =>
        modules.SelectMany(m => m.parameters()).Sum(p => p.numel());

    public void Dispose() => Reference.Dispose();
}
