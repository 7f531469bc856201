using AeLab.Display;
using static TorchSharp.torch;

namespace AeLab.Evaluation;

/// <summary>
/// The layout of an object on a background, in two numbers: the mean brightness of an image's outer ring of pixels
/// (its border) and of a square at its centre. Emoji and garments put their object in the middle of a plain background,
/// so real images have a border near the background's brightness; texture that fills the whole picture does not.
/// </summary>
public static class BorderCentre
{
    /// <summary>Mean brightness (over images, channels and pixels) of the outer ring <paramref name="ring"/> pixels wide and of
    /// the central <paramref name="centre"/>×<paramref name="centre"/> square of <paramref name="images"/> [N, C, H, W].</summary>
    public static (double Border, double Centre) Of(Tensor images, int ring = 3, int centre = 16)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4)
            throw new ArgumentException($"images must be [N, C, H, W]; got [{string.Join(", ", images.shape)}].", nameof(images));
        long h = images.shape[2], w = images.shape[3];
        if (ring < 1 || 2 * ring >= Math.Min(h, w))
            throw new ArgumentOutOfRangeException(nameof(ring), ring, $"ring must lie in 1…{(Math.Min(h, w) - 1) / 2} for {h}×{w} images.");
        if (centre < 1 || centre > Math.Min(h, w))
            throw new ArgumentOutOfRangeException(nameof(centre), centre, $"centre must lie in 1…{Math.Min(h, w)} for {h}×{w} images.");
        using var _ = NewDisposeScope();
        var x = images.to(float64);
        var mask = ones(h, w, dtype: float64, device: x.device);
        mask[ring..(int)(h - ring), ring..(int)(w - ring)] = zeros(h - 2 * ring, w - 2 * ring, dtype: float64, device: x.device);
        double border = (x * mask).sum().item<double>() / (mask.sum().item<double>() * x.shape[0] * x.shape[1]);
        long top = (h - centre) / 2, left = (w - centre) / 2;
        double middle = x.narrow(2, top, centre).narrow(3, left, centre).mean().item<double>();
        return (border, middle);
    }

    /// <summary>
    /// The two numbers for <paramref name="reference"/> (real images) and two kinds of samples, with a verdict: whether
    /// <paramref name="candidate"/>'s border brightness is closer to the reference's than <paramref name="baseline"/>'s.
    /// </summary>
    public static Table Compare((string Name, Tensor Images) reference, (string Name, Tensor Images) baseline,
        (string Name, Tensor Images) candidate, int ring = 3, int centre = 16)
    {
        var sets = new[] { reference, baseline, candidate };
        var layouts = sets.Select(s => Of(s.Images, ring, centre)).ToArray();
        double baselineGap = Math.Abs(layouts[1].Border - layouts[0].Border), candidateGap = Math.Abs(layouts[2].Border - layouts[0].Border);
        return new Table("images", "border brightness", "centre brightness")
            .Rows(sets.Zip(layouts), p => new object[] { p.First.Name, p.Second.Border, p.Second.Centre })
            .Format("border brightness", "F3").Format("centre brightness", "F3")
            .Verdict($"border brightness {layouts[0].Border:F3} for the {reference.Name}, off by {candidateGap:F3} for {candidate.Name} and " +
                     $"by {baselineGap:F3} for {baseline.Name}: {candidate.Name} {(candidateGap < baselineGap ? "closer" : "not closer")} · " +
                     $"{candidate.Images.shape[0]} samples each");
    }
}
