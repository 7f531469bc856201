using static TorchSharp.torch;

namespace AeLab.Models.VqGan;

/// <summary>
/// Sharpness and colour measures of reconstructions against their originals that noise cannot improve.
/// <see cref="Sharpness"/>'s ratios count every pixel-to-pixel difference, so speckle raises them as much as a crisp
/// edge; the measures here reward only what the original has.
/// </summary>
public static class Fidelity
{
    /// <summary>
    /// Edge fidelity: the reconstruction's finite-difference gradients projected on the original's,
    /// Σ ∇x̂·∇x / Σ ∇x·∇x over both directions, all channels and pixels. It is 1 when the reconstruction has the
    /// original's edges at full contrast, below 1 when they are blurred or missing, and unchanged in expectation by
    /// noise or texture that does not follow the original's edges (its gradients are uncorrelated with ∇x).
    /// Weighted by |∇x|², it is decided on the original's edges.
    /// </summary>
    public static double EdgeFidelity(Tensor reconstructions, Tensor originals)
    {
        CheckPair(reconstructions, originals);
        using var _ = NewDisposeScope();
        var (rx, ry) = Gradients(reconstructions.to(float64));
        var (ox, oy) = Gradients(originals.to(float64));
        var along = (rx * ox).sum() + (ry * oy).sum();
        var energy = ox.pow(2).sum() + oy.pow(2).sum();
        var e = energy.item<double>();
        if (e == 0) throw new ArgumentException("EdgeFidelity needs originals with at least one edge; got flat images.", nameof(originals));
        return along.item<double>() / e;
    }

    /// <summary>
    /// Colour-histogram distance: the total-variation distance ½ Σ|p − q| between the colour histograms (each channel cut
    /// into <paramref name="bins"/> equal bins over [<paramref name="low"/>, <paramref name="high"/>], so bins³ colours for
    /// RGB) of all reconstructions and all originals. 0: the same colours in the same proportions; 1: no colour in common.
    /// Colours the originals do not have (speckle in invented hues) and the in-between colours of a blur both raise it.
    /// </summary>
    public static double ColourHistogramDistance(Tensor reconstructions, Tensor originals, int bins = 8, double low = -1, double high = 1)
    {
        CheckPair(reconstructions, originals);
        if (bins < 2 || bins > 64) throw new ArgumentOutOfRangeException(nameof(bins), bins, "bins must be between 2 and 64 per channel.");
        if (!(high > low)) throw new ArgumentException($"ColourHistogramDistance expects high > low; got low {low}, high {high}.", nameof(high));
        using var _ = NewDisposeScope();
        var p = Histogram(reconstructions, bins, low, high);
        var q = Histogram(originals, bins, low, high);
        return ((p - q).abs().sum() / 2).item<double>();
    }

    static Tensor Histogram(Tensor images, int bins, double low, double high)
    {
        long channels = images.shape[1];
        var index = ((images.to(float64) - low) / (high - low) * bins).floor().clamp(0, bins - 1).to(int64);
        var flat = zeros_like(index[.., 0]);
        for (long c = 0; c < channels; c++) flat = flat * bins + index[.., c];
        var counts = bincount(flat.flatten(), minlength: (long)Math.Pow(bins, channels)).to(float64);
        return counts / counts.sum();
    }

    static (Tensor X, Tensor Y) Gradients(Tensor images) =>
        (images[.., .., .., 1..] - images[.., .., .., ..^1], images[.., .., 1.., ..] - images[.., .., ..^1, ..]);

    static void CheckPair(Tensor reconstructions, Tensor originals)
    {
        if (originals.dim() != 4 || originals.shape[2] < 2 || originals.shape[3] < 2)
            throw new ArgumentException($"Expected images [B, C, H, W] at least 2×2; got [{string.Join(", ", originals.shape)}].", nameof(originals));
        if (!reconstructions.shape.SequenceEqual(originals.shape))
            throw new ArgumentException($"Expected reconstructions of the originals' shape [{string.Join(", ", originals.shape)}]; " +
                                        $"got [{string.Join(", ", reconstructions.shape)}].", nameof(reconstructions));
    }
}
