using AeLab.Models.VqGan;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Tests.Models.VqGan;

/// <summary>Lesson 11 compares the two priors by negative log-likelihood; both must be normalised distributions over
/// whole code maps for that comparison to mean anything.</summary>
public class PriorLikelihoodTests
{
    /// <summary>Every code map of a 1×3 map over K = 4 codes: 64 rows of 3 codes.</summary>
    static Tensor AllMaps()
    {
        var rows = new List<long>();
        for (int a = 0; a < 4; a++) for (int b = 0; b < 4; b++) for (int c = 0; c < 4; c++) rows.AddRange(new long[] { a, b, c });
        return tensor(rows.ToArray()).reshape(64, 1, 3);
    }

    static double TotalProbability(Tensor nllPerCode) => (-nllPerCode.to(float64) * 3).exp().sum().item<double>();

    [Fact]
    public void Autoregressive_likelihoods_of_all_maps_sum_to_one()
    {
        Lab.Init(seed: 50);
        var prior = new AutoregressivePrior(4, 1, 3, dim: 16, heads: 2, layers: 2, dropout: 0.1);
        prior.train();
        var nll = prior.NegativeLogLikelihood(AllMaps());
        Assert.Equal(new long[] { 64 }, nll.shape);
        Assert.InRange(TotalProbability(nll), 1 - 1e-4, 1 + 1e-4);
        Assert.True(prior.training);                                    // the mode is restored
    }

    [Fact]
    public void MaskGit_raster_chain_likelihoods_of_all_maps_sum_to_one_and_match_the_chain_by_hand()
    {
        Lab.Init(seed: 51);
        var prior = MaskGitPrior.WithTransformer(4, 1, 3, dim: 16, heads: 2, layers: 2, dropout: 0);
        var maps = AllMaps();
        var nll = prior.NegativeLogLikelihood(maps);
        Assert.InRange(TotalProbability(nll), 1 - 1e-4, 1 + 1e-4);

        // Map 27 = (1, 2, 3) by hand: p(1 | M M M) · p(2 | 1 M M) · p(3 | 1 2 M).
        prior.eval();
        using var _ = no_grad();
        int m = prior.MaskToken;
        double LogP(long[] input, int position, long code) =>
            nn.functional.log_softmax(prior.forward(tensor(input).reshape(1, 3)), 2)[0, position, code].item<float>();
        double byHand = -(LogP(new long[] { m, m, m }, 0, 1) + LogP(new long[] { 1, m, m }, 1, 2) + LogP(new long[] { 1, 2, m }, 2, 3)) / 3;
        Assert.Equal(byHand, nll[27].item<float>(), 4);
    }
}
