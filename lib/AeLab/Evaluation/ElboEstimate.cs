using System.Globalization;
using AeLab.Core;
using AeLab.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Evaluation;

/// <summary>
/// A VAE's evidence lower bound on held-out images, in nats per image: the mean over every image of one or more passes
/// of its one-sample estimate −(reconstruction + KL), as the model's <c>Loss</c> reports them ("bce" and "kl").
/// One reparameterised sample per image is unbiased; more passes shrink the noise from ε.
/// </summary>
/// <param name="Elbo">−(Reconstruction + Kl), nats per image (higher is better).</param>
/// <param name="Reconstruction">The reconstruction term −log p(x | z), nats per image.</param>
/// <param name="Kl">The KL term, nats per image.</param>
/// <param name="Images">Images per pass.</param>
/// <param name="Passes">Passes over the images.</param>
public sealed record ElboEstimate(double Elbo, double Reconstruction, double Kl, int Images, int Passes)
{
    /// <summary>
    /// Estimates the ELBO of <paramref name="model"/> (put in eval mode, no gradients) over <paramref name="passes"/>
    /// passes of <paramref name="batches"/>; its <c>Loss</c> must report the metrics "bce" and "kl" per image.
    /// </summary>
    public static ElboEstimate Of<T>(T model, IEnumerable<Batch> batches, int passes = 1) where T : nn.Module, IAutoencoder
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batches);
        if (passes < 1) throw new ArgumentOutOfRangeException(nameof(passes), passes, "passes must be 1 or more.");
        model.eval();
        double bce = 0, kl = 0;
        int n = 0;
        using (no_grad())
            for (int p = 0; p < passes; p++)
                foreach (var batch in batches)
                {
                    using var scope = NewDisposeScope();
                    var output = model.Loss(batch.X);
                    if (!output.Metrics.TryGetValue("bce", out var b) || !output.Metrics.TryGetValue("kl", out var k))
                        throw new ArgumentException($"ElboEstimate needs a model whose Loss reports \"bce\" and \"kl\" (a VAE such as MlpVae); " +
                            $"{model.GetType().Name}.Loss reports {string.Join(", ", output.Metrics.Keys.Select(m => $"\"{m}\""))}.", nameof(model));
                    long count = batch.X.shape[0];
                    bce += b.item<float>() * count;
                    kl += k.item<float>() * count;
                    n += (int)count;
                }
        if (n == 0) throw new ArgumentException("ElboEstimate: the batches are empty.", nameof(batches));
        return new ElboEstimate(-(bce + kl) / n, bce / n, kl / n, n / passes, passes);
    }

    /// <summary>How this estimate differs from <paramref name="other"/>, in one line:
    /// "ELBO lower by 20.3 nats, reconstruction term larger by 28.1, KL smaller by 7.9".</summary>
    public string Against(ElboEstimate other)
    {
        ArgumentNullException.ThrowIfNull(other);
        static string By(double d) => Math.Abs(d).ToString("F1", CultureInfo.InvariantCulture);
        return $"ELBO {(Elbo < other.Elbo ? "lower" : "higher")} by {By(Elbo - other.Elbo)} nats, " +
               $"reconstruction term {(Reconstruction > other.Reconstruction ? "larger" : "smaller")} by {By(Reconstruction - other.Reconstruction)}, " +
               $"KL {(Kl < other.Kl ? "smaller" : "larger")} by {By(Kl - other.Kl)}";
    }
}
