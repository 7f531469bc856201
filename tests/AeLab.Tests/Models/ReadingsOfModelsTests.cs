using AeLab.Models.Attention;
using AeLab.Models.PixelCnn;
using AeLab.Models.Quantization;
using AeLab.Models;
using AeLab.Data;
using static TorchSharp.torch;

namespace AeLab.Tests.Models;

/// <summary>The readings lessons 09 and 10 take from their models: code use, a prior against its baselines, a prior's
/// causal reach, attention heads' shares.</summary>
public class ReadingsOfModelsTests
{
    public ReadingsOfModelsTests() => Lab.Init();

    [Fact]
    public void CodeUsage_counts_every_validation_position_and_change_reads_two_models()
    {
        Lab.Init(seed: 2);
        using var model = new VqVae(1, 28, new VectorQuantizer(16, 4), hidden: 8);
        model.eval();
        var images = rand(5, 1, 28, 28);
        var usage = CodeUsage.Of(model, new[] { new Batch(images.narrow(0, 0, 3)), new Batch(images.narrow(0, 3, 2)) });
        Assert.Equal(5 * 7 * 7, usage.Counts.sum().item<long>());
        using var direct = CodebookStats.Counts(model.EncodeIndices(images), 16);
        Assert.True(direct.equal(usage.Counts).all().item<bool>());
        Assert.Equal(CodebookStats.Usage(direct), usage.Usage);
        Assert.Equal(usage.Counts.max().item<long>(), (long)usage.SortedCounts()[0]);

        var few = new CodeUsage(0.023, 2.9, zeros(1));
        var many = new CodeUsage(0.984, 96.4, zeros(1));
        Assert.Equal("codes used 2.3 % → 98.4 %, val MSE 0.0190 → 0.0095 (50 % lower)", CodeUsage.Change((few, 0.019), (many, 0.0095)));
        Assert.Throws<ArgumentOutOfRangeException>(() => CodeUsage.Change((few, 0), (many, 0.01)));
    }

    [Fact]
    public void PriorBaselines_says_what_context_adds_or_that_it_adds_nothing()
    {
        double uniform = Math.Log(128), frequency = Math.Log(96.4);
        Assert.Equal("the PixelCNN is 1.87 nats per token below the code-frequency baseline: 87 % of its gain over a uniform guess " +
                     "comes from context, the rest from code frequencies", PriorBaselines.Reading(2.70, frequency, uniform));
        Assert.StartsWith("the PixelCNN is not below the code-frequency baseline (4.600 against 4.569", PriorBaselines.Reading(4.6, frequency, uniform));
        Assert.Throws<ArgumentOutOfRangeException>(() => PriorBaselines.Reading(2.7, 96.4, uniform));   // a perplexity, not its log
    }

    [Fact]
    public void CausalReach_of_a_trained_configuration_is_causal_with_a_blind_spot_at_the_left_edge()
    {
        Lab.Init(seed: 0);
        var prior = new PixelCnnPrior(16, 7, 7, channels: 8, blocks: 6, embedDim: 4);
        Tensor Reach(int row, int col)
        {
            var emb = randn(1, 4, 7, 7).requires_grad_();
            prior.Logits(emb)[0, .., row, col].sum().backward();
            return emb.grad!.abs().sum(dim: 0).sum(dim: 0).gt(0);
        }
        var centre = CausalReach.Of(Reach(3, 3), 3, 3);
        Assert.True(centre.IsCausal);
        Assert.Equal((24, 24, 25), (centre.Earlier, centre.EarlierReaching, centre.Later));
        Assert.Equal("none", centre.BlindSpotText);
        var edge = CausalReach.Of(Reach(3, 0), 3, 0);
        Assert.True(edge.IsCausal);
        Assert.Equal(21 - edge.BlindSpot.Count, edge.EarlierReaching);
        Assert.Contains((0, 6), edge.BlindSpot);   // up and to the right of (3, 0): out of reach of the masked stack
        Assert.StartsWith("(0, 6)", edge.BlindSpotText);
        Assert.Throws<ArgumentOutOfRangeException>(() => CausalReach.Of(zeros(7, 7), 7, 0));
    }

    [Fact]
    public void AttentionShares_average_the_weight_on_given_pairs_per_head_and_name_the_copying_heads()
    {
        // Two heads over 3 positions: head 0 puts 0.9 on the pairs (2, 0) and (1, 1), head 1 spreads its weight evenly.
        var w = full(new long[] { 2, 2, 3, 3 }, 1f / 3);
        w[.., 0] = zeros(3, 3);
        w[.., 0, 2, 0] = 0.9f; w[.., 0, 1, 1] = 0.9f;
        var shares = AttentionShares.PerHead(w, new long[] { 2, 1 }, new long[] { 0, 1 });
        Assert.Equal(0.9f, shares[0], 5);
        Assert.Equal(1f / 3, shares[1], 5);
        Assert.Equal("layer 1: head 1 (90 %) · layer 2: none; the most is head 2 with 40.0 % (1.6× uniform)",
            AttentionShares.CopyingHeads(new[] { shares, new[] { 0.1f, 0.4f } }, uniformShare: 0.25));
        Assert.Throws<ArgumentException>(() => AttentionShares.PerHead(w, new long[] { 2 }, new long[] { 0, 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => AttentionShares.PerHead(w, new long[] { 3 }, new long[] { 0 }));
    }
}
