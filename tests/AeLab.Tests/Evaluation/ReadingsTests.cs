using AeLab.Data;
using AeLab.Evaluation;
using AeLab.Models;
using static TorchSharp.torch;

namespace AeLab.Tests.Evaluation;

/// <summary>What the lessons' reading cells compute from a model's outputs: the ELBO, the aggregate posterior, class
/// regions, a KL-weight sweep's reading.</summary>
public class ReadingsTests
{
    public ReadingsTests() => Lab.Init();

    [Fact]
    public void ElboEstimate_is_minus_the_mean_of_bce_plus_kl_over_every_image_and_pass()
    {
        Lab.Init(seed: 3);
        using var vae = new MlpVae(latentSize: 4);
        var images = rand(10, 1, 28, 28);
        var batches = new[] { new Batch(images.narrow(0, 0, 6)), new Batch(images.narrow(0, 6, 4)) };
        Lab.Seed(5);
        var estimate = ElboEstimate.Of(vae, batches, passes: 2);
        // The same sums by hand, from the same draws.
        Lab.Seed(5);
        double bce = 0, kl = 0;
        vae.eval();
        using (no_grad())
            for (int p = 0; p < 2; p++)
                foreach (var b in batches)
                {
                    var o = vae.Loss(b.X);
                    bce += o.Metrics["bce"].item<float>() * b.X.shape[0];
                    kl += o.Metrics["kl"].item<float>() * b.X.shape[0];
                }
        Assert.Equal(bce / 20, estimate.Reconstruction, 6);
        Assert.Equal(kl / 20, estimate.Kl, 6);
        Assert.Equal(-(bce + kl) / 20, estimate.Elbo, 6);
        Assert.Equal((10, 2), (estimate.Images, estimate.Passes));
        Assert.Throws<ArgumentOutOfRangeException>(() => ElboEstimate.Of(vae, batches, passes: 0));
    }

    [Fact]
    public void ElboEstimate_against_another_says_each_difference_with_its_direction()
    {
        var h2 = new ElboEstimate(-264.8, 258.4, 6.4, 10000, 5);
        var h10 = new ElboEstimate(-244.4, 229.9, 14.5, 10000, 5);
        Assert.Equal("ELBO lower by 20.4 nats, reconstruction term larger by 28.5, KL smaller by 8.1", h2.Against(h10));
        Assert.Equal("ELBO higher by 20.4 nats, reconstruction term smaller by 28.5, KL larger by 8.1", h10.Against(h2));
    }

    [Fact]
    public void AggregatePosterior_adds_the_mean_posterior_variance_to_the_variance_of_the_means()
    {
        using var mu = tensor(new float[,] { { -1, 0 }, { 1, 0 }, { -1, 2 }, { 1, 2 } });
        using var variance = full(4, 2, 0.5f);
        var a = AggregatePosterior.Of(mu, variance);
        Assert.Equal(new[] { 0.0, 1.0 }, a.Mean.Select(v => Math.Round(v, 6)));
        double meansVar = 4.0 / 3;   // unbiased variance of −1, 1, −1, 1 (and of 0, 0, 2, 2)
        Assert.Equal(Math.Sqrt(meansVar), a.MeansStd[0], 5);
        Assert.Equal(Math.Sqrt(meansVar + 0.5), a.Std[1], 5);
        Assert.Equal(1.0, a.LargestOffset, 5);   // the mean of z2 is 1 away from 0
        Assert.Equal("off N(0, I) by up to 1.00 in mean or std", a.Against(0.2));
        var near = AggregatePosterior.Of(tensor(new float[,] { { -0.5f }, { 0.5f } }), full(2, 1, 0.5f));
        Assert.Equal("within 0.2 of N(0, I)'s mean 0 and std 1", near.Against(0.2));
        var e = Assert.Throws<ArgumentException>(() => AggregatePosterior.Of(mu, variance.narrow(1, 0, 1)));
        Assert.Equal("variance", e.ParamName);
    }

    [Fact]
    public void ClassRegions_counts_the_codes_nearest_their_own_class_mean()
    {
        // Two tight classes far apart, and one code of class 0 placed on class 1's side.
        using var codes = tensor(new float[,] { { 0, 0 }, { 0.1f, 0 }, { 9, 9 }, { 10, 10 }, { 10.1f, 10 } });
        using var labels = tensor(new long[] { 0, 0, 0, 1, 1 });
        Assert.Equal(0.8, ClassRegions.NearestOwnMean(codes, labels, 2), 5);
        var e = Assert.Throws<ArgumentException>(() => ClassRegions.NearestOwnMean(codes, labels, 3));
        Assert.Contains("classes 2 have no code", e.Message);
    }

    [Fact]
    public void KlWeightSweep_reads_the_kl_and_each_step_of_the_error()
    {
        Assert.Equal("the KL falls at every step as β grows; the error changes by +10.0% from β = 0 to 0.1 and by +50.0% from β = 0.1 to 1, " +
                     "the larger change from β = 0.1 to 1",
            KlWeightSweep.Reading(new[] { 0, 0.1, 1 }, new[] { 5000.0, 1500, 470 }, new[] { 0.06, 0.066, 0.099 }));
        Assert.StartsWith("the KL does not fall at every step; the error changes by -50.0% from β = 0 to 1",
            KlWeightSweep.Reading(new[] { 0, 1.0 }, new[] { 5.0, 6 }, new[] { 0.2, 0.1 }));
        Assert.Throws<ArgumentException>(() => KlWeightSweep.Reading(new[] { 1, 0.1 }, new[] { 1.0, 2 }, new[] { 1.0, 2 }));
    }
}
