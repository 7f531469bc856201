using static TorchSharp.torch;

namespace AeLab.Models.VqGan;

/// <summary>
/// Two ways to put a number on "blurry": both compare reconstructions with their originals, so 1 means
/// "as sharp as the data" and a blurry decoder scores below 1.
/// </summary>
public static class Sharpness
{
    /// <summary>Mean absolute finite-difference gradient (horizontal and vertical) of images [B, C, H, W].</summary>
    public static double MeanGradient(Tensor images)
    {
        Check(images, nameof(images));
        using var _ = NewDisposeScope();
        var dx = (images[.., .., .., 1..] - images[.., .., .., ..^1]).abs().mean();
        var dy = (images[.., .., 1.., ..] - images[.., .., ..^1, ..]).abs().mean();
        return ((dx + dy) / 2).item<float>();
    }

    /// <summary>Mean gradient magnitude of <paramref name="reconstructions"/> over that of <paramref name="originals"/>.</summary>
    public static double GradientRatio(Tensor reconstructions, Tensor originals) =>
        MeanGradient(reconstructions) / MeanGradient(originals);

    /// <summary>
    /// Fraction of the spectral energy (|FFT|² of each channel, mean removed) above <paramref name="cutoff"/>
    /// of the Nyquist frequency (radially), for images [B, C, H, W].
    /// </summary>
    public static double HighFrequencyEnergy(Tensor images, double cutoff = 0.5)
    {
        Check(images, nameof(images));
        if (cutoff <= 0 || cutoff >= 1) throw new ArgumentOutOfRangeException(nameof(cutoff), cutoff, "cutoff must be between 0 and 1 (a fraction of the Nyquist frequency).");
        using var _ = NewDisposeScope();
        long h = images.shape[2], w = images.shape[3];
        var x = images.to(float32) - images.mean(new long[] { 2, 3 }, keepdim: true);
        var power = fft.fft2(x).abs().pow(2);
        var fy = fft.fftfreq(h).abs().reshape(h, 1) * 2;   // in units of Nyquist
        var fx = fft.fftfreq(w).abs().reshape(1, w) * 2;
        var high = (fy.pow(2) + fx.pow(2)).sqrt().gt(cutoff).to(float32).to(images.device);
        return ((power * high).sum() / power.sum()).item<float>();
    }

    /// <summary>High-frequency energy of the reconstructions over that of the originals.</summary>
    public static double HighFrequencyRatio(Tensor reconstructions, Tensor originals, double cutoff = 0.5) =>
        HighFrequencyEnergy(reconstructions, cutoff) / HighFrequencyEnergy(originals, cutoff);

    static void Check(Tensor images, string argument)
    {
        if (images.dim() != 4 || images.shape[2] < 2 || images.shape[3] < 2)
            throw new ArgumentException($"Expected images [B, C, H, W] at least 2×2; got [{string.Join(", ", images.shape)}].", argument);
    }
}
