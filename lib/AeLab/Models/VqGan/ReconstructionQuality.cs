using System.Globalization;
using AeLab.Display;
using AeLab.Models.Quantization;
using static TorchSharp.torch;

namespace AeLab.Models.VqGan;

/// <summary>
/// How well a quantised autoencoder reconstructs a set of images, as lesson 11 compares its VQ-VAE and VQ-GAN: the
/// pixel error, the two <see cref="Sharpness"/> ratios (1 = as sharp as the originals) and the share of the codebook
/// the images use.
/// </summary>
public sealed record ReconstructionQuality(string Model, double Mse, double GradientRatio, double HighFrequencyRatio, double CodesUsed)
{
    /// <summary>The reconstructions of <paramref name="images"/> [N, C, H, W] in [−1, 1], in evaluation mode without
    /// gradients, in batches of <paramref name="batch"/>, clamped to [−1, 1].</summary>
    public static Tensor Reconstruct(QuantizedAutoencoder model, Tensor images, int batch = 64)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch must be at least 1.");
        model.eval();
        using var _ = no_grad();
        var parts = new List<Tensor>();
        for (long i = 0; i < images.shape[0]; i += batch)
            parts.Add(model.forward(images.narrow(0, i, Math.Min(batch, images.shape[0] - i))));
        var all = cat(parts.ToArray()).clamp(-1, 1);
        foreach (var p in parts) p.Dispose();
        return all;
    }

    /// <summary>Measures <paramref name="reconstructions"/> of <paramref name="images"/> (both in [−1, 1]) by
    /// <paramref name="model"/>, named <paramref name="name"/>.</summary>
    public static ReconstructionQuality Measure(string name, QuantizedAutoencoder model, Tensor images, Tensor reconstructions)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(reconstructions);
        using var scope = NewDisposeScope();
        double mse = (reconstructions - images).pow(2).mean().item<float>();
        double used;
        using (no_grad()) used = model.EncodeIndices(images).unique().Item1.numel() / (double)model.Quantizer.CodebookSize;
        return new(name, mse, Sharpness.GradientRatio(reconstructions, images), Sharpness.HighFrequencyRatio(reconstructions, images), used);
    }

    /// <summary>The measurements side by side.</summary>
    public static Table Table(IEnumerable<ReconstructionQuality> rows) =>
        new Table("model", "val MSE", "gradient ratio", "high-freq ratio", "codes used")
            .Format("val MSE", "F4").Format("gradient ratio", "F3").Format("high-freq ratio", "F3").Format("codes used", "P0")
            .Rows(rows, r => new object?[] { r.Model, r.Mse, r.GradientRatio, r.HighFrequencyRatio, r.CodesUsed });

    /// <summary>
    /// One line: what <paramref name="withGan"/> paid in pixel error against <paramref name="plain"/>, by how many of
    /// the two measures it is sharper, and how close each comes to the data's own sharpness (ratio 1, within 10 %).
    /// </summary>
    public static string Verdict(ReconstructionQuality plain, ReconstructionQuality withGan)
    {
        ArgumentNullException.ThrowIfNull(plain);
        ArgumentNullException.ThrowIfNull(withGan);
        int sharper = (withGan.GradientRatio > plain.GradientRatio ? 1 : 0) + (withGan.HighFrequencyRatio > plain.HighFrequencyRatio ? 1 : 0);
        double change = Math.Abs(withGan.Mse - plain.Mse) / plain.Mse;
        string Against(ReconstructionQuality q) =>
            new[] { q.GradientRatio, q.HighFrequencyRatio }.All(r => Math.Abs(r - 1) <= 0.1) ? "within 10 % of the data's on both"
            : new[] { q.GradientRatio, q.HighFrequencyRatio }.All(r => r < 1) ? "below the data's on both"
            : "near or above the data's on one";
        return $"{withGan.Model}: {change.ToString("P0", CultureInfo.InvariantCulture)} {(withGan.Mse > plain.Mse ? "more" : "less")} pixel error " +
               $"than the {plain.Model}, sharper by {(sharper == 2 ? "both measures" : sharper == 1 ? "one measure" : "neither measure")}; " +
               $"sharpness {Against(withGan)} (the {plain.Model}'s {Against(plain)}).";
    }
}
