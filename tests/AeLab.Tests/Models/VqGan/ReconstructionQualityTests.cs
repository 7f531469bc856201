using AeLab.Models.Quantization;
using AeLab.Models.VqGan;
using static TorchSharp.torch;

namespace AeLab.Tests.Models.VqGan;

public class ReconstructionQualityTests
{
    [Fact]
    public void Reconstruct_and_measure_a_small_model()
    {
        Lab.Init(seed: 61);
        var model = new VqGanModel(new VectorQuantizer(16, 8), channels: 8, downsamples: 1, imageSize: 16);
        model.train();
        using var images = rand(10, 3, 16, 16) * 2 - 1;
        var recon = ReconstructionQuality.Reconstruct(model, images, batch: 4);
        Assert.False(model.training);
        Assert.Equal(images.shape, recon.shape);
        Assert.True(recon.min().item<float>() >= -1 && recon.max().item<float>() <= 1);
        Tensor whole;
        using (no_grad()) whole = model.forward(images).clamp(-1, 1);
        Assert.True(recon.allclose(whole, atol: 1e-5), "batches differ from one pass");
        var q = ReconstructionQuality.Measure("tiny", model, images, recon);
        Assert.Equal((recon - images).pow(2).mean().item<float>(), q.Mse, 6);
        Assert.Equal(Sharpness.GradientRatio(recon, images), q.GradientRatio, 9);
        Assert.InRange(q.CodesUsed, 1 / 16.0, 1.0);
        // The original images measured against themselves: no error, exactly as sharp as the data.
        var self = ReconstructionQuality.Measure("self", model, images, images);
        Assert.Equal(0, self.Mse);
        Assert.Equal(1, self.GradientRatio, 9);
        Assert.Contains("codes used", ReconstructionQuality.Table(new[] { q, self }).ToString());
    }

    [Fact]
    public void The_verdict_reads_error_and_sharpness_in_one_line()
    {
        var plain = new ReconstructionQuality("VQ-VAE", 0.05, 0.74, 0.34, 1);
        var gan = new ReconstructionQuality("VQ-GAN", 0.08, 1.06, 0.97, 1);
        var line = ReconstructionQuality.Verdict(plain, gan);
        Assert.DoesNotContain('\n', line);
        Assert.StartsWith("VQ-GAN: 60% more pixel error than the VQ-VAE, sharper by both measures", line.Replace(" %", "%"));
        Assert.Contains("within 10 % of the data's on both (the VQ-VAE's below the data's on both)", line.Replace("10%", "10 %"));
        var blurry = new ReconstructionQuality("VQ-GAN", 0.04, 0.70, 0.30, 1);
        Assert.Contains("less pixel error", ReconstructionQuality.Verdict(plain, blurry));
        Assert.Contains("sharper by neither measure", ReconstructionQuality.Verdict(plain, blurry));
    }
}
