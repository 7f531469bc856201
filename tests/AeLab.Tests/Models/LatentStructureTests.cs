using AeLab.Models;
using AeLab.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Tests.Models;

public class LatentStructureTests
{
    [Fact]
    public void Shuffled_positions_keep_each_codes_channel_vectors_and_lose_their_arrangement()
    {
        Lab.Init();
        var codes = randn(3, 4, 5, 5);
        var shuffled = LatentStructure.ShufflePositions(codes, seed: 7);
        Assert.Equal(codes.shape, shuffled.shape);
        for (int i = 0; i < 3; i++)
        {
            // The same set of per-position channel vectors: sort the positions by channel 0 in both.
            var a = codes[i].flatten(1).t(); var b = shuffled[i].flatten(1).t();
            Assert.True(a[a[.., 0].argsort()].allclose(b[b[.., 0].argsort()]));
        }
        Assert.False(codes.allclose(shuffled));
        Assert.True(shuffled.equal(LatentStructure.ShufflePositions(codes, seed: 7)).all().item<bool>());
        Assert.Throws<ArgumentException>(() => LatentStructure.ShufflePositions(randn(3, 5), 1));
    }

    [Fact]
    public void Fitted_gaussian_draws_have_the_codes_mean_and_covariance()
    {
        Lab.Init();
        Lab.SeedExactly(3);
        // Codes with strong correlation between their two numbers (a line plus a little noise).
        var t = randn(400, 1, dtype: float64);
        var codes = cat(new[] { t, 2 * t + 0.1 * randn(400, 1, dtype: float64) }, 1).to(float32);
        using var g = FittedGaussian.Fit(codes);
        var draws = g.Sample(200_000).to(float64);
        var c = codes.to(float64);
        var codeCov = (c - c.mean(new long[] { 0 })).t().mm(c - c.mean(new long[] { 0 })) / 399;
        var drawCov = (draws - draws.mean(new long[] { 0 })).t().mm(draws - draws.mean(new long[] { 0 })) / (200_000 - 1);
        Assert.True(drawCov.allclose(codeCov, rtol: 0.03, atol: 0.01), $"{drawCov.str()} vs {codeCov.str()}");
        Assert.True(draws.mean(new long[] { 0 }).allclose(c.mean(new long[] { 0 }), atol: 0.02));
        // Independent draws keep the variances and lose the correlation.
        var ind = g.SampleIndependent(200_000).to(float64);
        var indCov = (ind - ind.mean(new long[] { 0 })).t().mm(ind - ind.mean(new long[] { 0 })) / (200_000 - 1);
        Assert.True(indCov.diagonal().allclose(codeCov.diagonal(), rtol: 0.03));
        Assert.True(Math.Abs(indCov[0, 1].item<double>()) < 0.02);
        Assert.Equal(new long[] { 2 }, g.Mean.shape);
    }

    [Fact]
    public void Receptive_field_is_the_windows_a_decoder_reads()
    {
        Lab.Init();
        var one = nn.Conv2d(2, 3, 3, padding: 1);
        Assert.Equal((3, 3), LatentStructure.ReceptiveField(z => one.forward(z), new long[] { 2, 9, 9 }));
        var two = nn.Sequential(nn.Conv2d(2, 3, 3, padding: 1), nn.Conv2d(3, 3, 3, padding: 1));
        Assert.Equal((5, 5), LatentStructure.ReceptiveField(z => two.forward(z), new long[] { 2, 9, 9 }));
        // The conv VAE's decoder: 1×1 input layer, then two stride-2 transposed 3×3 convolutions.
        var vae = new ConvVae(imageSize: 32, downsamples: 2);
        vae.eval();
        Assert.Equal((2, 2), LatentStructure.ReceptiveField(vae.Decode, vae.LatentShape));
    }
}
