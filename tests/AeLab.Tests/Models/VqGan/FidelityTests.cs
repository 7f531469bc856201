using AeLab.Models.VqGan;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Tests.Models.VqGan;

public class FidelityTests
{
    // Blocky images with real edges: 4×4 squares of random colours, upsampled to 32×32.
    static Tensor Blocks() => nn.functional.interpolate(rand(8, 3, 8, 8) * 2 - 1, scale_factor: [4, 4], mode: InterpolationMode.Nearest);

    [Fact]
    public void Edge_fidelity_is_one_for_the_originals_lower_when_blurred_and_not_raised_by_noise()
    {
        Lab.Init(seed: 0);
        var images = Blocks();
        var blurred = nn.functional.avg_pool2d(images, 3, stride: 1, padding: 1, count_include_pad: false);
        var noisy = images + 0.3 * randn_like(images);
        var blurredNoisy = blurred + 0.3 * randn_like(images);
        Assert.Equal(1.0, Fidelity.EdgeFidelity(images, images), 9);
        Assert.True(Fidelity.EdgeFidelity(blurred, images) < 0.8);
        Assert.Equal(1.0, Fidelity.EdgeFidelity(noisy, images), 1);
        Assert.Equal(Fidelity.EdgeFidelity(blurred, images), Fidelity.EdgeFidelity(blurredNoisy, images), 1);
        // Noise does raise the plain gradient ratio: the reason for this measure.
        Assert.True(Sharpness.GradientRatio(blurredNoisy, images) > Sharpness.GradientRatio(blurred, images) + 0.3);
    }

    [Fact]
    public void Edge_fidelity_equals_a_hand_computed_projection()
    {
        Lab.Init();
        var original = tensor(new float[] { 0, 1, 1, 0 }).reshape(1, 1, 2, 2);
        var recon = tensor(new float[] { 0, 0.5f, 1, 1 }).reshape(1, 1, 2, 2);
        // ∇x original: rows (1), (−1); ∇y: columns (1), (−1). Recon ∇x: (0.5), (0); ∇y: (1), (0.5).
        // Σ∇x̂·∇x = 0.5 + 0 + 1 − 0.5 = 1; Σ|∇x|² = 4.
        Assert.Equal(0.25, Fidelity.EdgeFidelity(recon, original), 9);
        Assert.Throws<ArgumentException>(() => Fidelity.EdgeFidelity(recon, zeros(1, 1, 2, 2)));
        Assert.Throws<ArgumentException>(() => Fidelity.EdgeFidelity(zeros(1, 1, 3, 3), original));
    }

    [Fact]
    public void Colour_histogram_distance_counts_colours_the_originals_lack()
    {
        Lab.Init(seed: 1);
        var images = Blocks();
        Assert.Equal(0.0, Fidelity.ColourHistogramDistance(images, images), 9);
        var red = full(1, 3, 4, 4, -1f); red[.., 0] = 1;
        var blue = full(1, 3, 4, 4, -1f); blue[.., 2] = 1;
        Assert.Equal(1.0, Fidelity.ColourHistogramDistance(red, blue), 9);
        var halfRed = blue.clone(); halfRed[.., .., ..2] = red[.., .., ..2];
        Assert.Equal(0.5, Fidelity.ColourHistogramDistance(halfRed, blue), 9);
        var speckled = images + 0.5 * randn_like(images);
        Assert.True(Fidelity.ColourHistogramDistance(speckled.clamp(-1, 1), images) > 0.3);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Fidelity.ColourHistogramDistance(images, images, bins: 1));
        Assert.Equal("bins", e.ParamName);
    }
}
