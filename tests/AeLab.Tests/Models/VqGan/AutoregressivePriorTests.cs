using AeLab.Models.VqGan;
using AeLab.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Tests.Models.VqGan;

public class AutoregressivePriorTests
{
    [Fact]
    public void Prediction_of_code_i_depends_only_on_the_codes_before_it()
    {
        Lab.Init(seed: 40);
        var prior = new AutoregressivePrior(6, 2, 3, dim: 16, heads: 2, layers: 2, dropout: 0);
        prior.eval();
        var a = randint(0, 6, new long[] { 1, 6 });
        var b = a.clone();
        b[0, 4] = (b[0, 4] + 1) % 6;                          // change code 4
        Tensor Logits(Tensor codes) => prior.forward(cat(new[] { full(1, 1, prior.StartToken, dtype: int64), codes.narrow(1, 0, 5) }, 1));
        using var _ = no_grad();
        var la = Logits(a); var lb = Logits(b);
        // Positions 0…4 predict codes 0…4 from codes before them: unchanged. Position 5 sees code 4: changed.
        Assert.True(la.narrow(1, 0, 5).allclose(lb.narrow(1, 0, 5), atol: 1e-5));
        Assert.False(la.narrow(1, 5, 1).allclose(lb.narrow(1, 5, 1), atol: 1e-5));
    }

    [Fact]
    public void Corruption_replaces_about_one_minus_pkeep_of_the_history_in_training_only()
    {
        Lab.Init(seed: 41);
        var prior = new AutoregressivePrior(50, 8, 8, dim: 16, heads: 2, layers: 1, keepProbability: 0.7);
        var codes = randint(0, 50, new long[] { 64, 64 });
        prior.train();
        double changed = prior.Corrupt(codes).ne(codes).to(float32).mean().item<float>();
        Assert.InRange(changed, 0.3 * 0.98 - 0.03, 0.3 * 0.98 + 0.03);   // a random replacement is the same code 1 time in 50
        prior.eval();
        Assert.True(prior.Corrupt(codes).equal(codes).all().item<bool>());
    }

    [Fact]
    public void Trained_by_the_trainer_it_learns_a_deterministic_pattern_and_samples_it()
    {
        Lab.Init(seed: 42);
        // Code maps 2×3 that are one of two fixed maps: after the first code, the rest is determined.
        var patterns = tensor(new long[] { 0, 1, 2, 3, 0, 1, 3, 2, 1, 0, 3, 2 }).reshape(2, 2, 3);
        var data = patterns.index_select(0, randint(0, 2, new long[] { 256 }));
        var prior = new AutoregressivePrior(4, 2, 3, dim: 32, heads: 2, layers: 2, dropout: 0, keepProbability: 1);
        using var opt = optim.Adam(prior.parameters(), 3e-3);
        var result = new Trainer(prior, opt) { Quiet = true }.Fit(new TokenBatches(data, 32), epochs: 30);
        Assert.True(result.Last!["nll"] < 0.15, $"nll per code {result.Last!["nll"]} (first code alone: ln 2 / 6 = 0.116)");
        var samples = prior.Sample(16);
        Assert.Equal(new long[] { 16, 2, 3 }, samples.shape);
        for (int i = 0; i < 16; i++)
            Assert.True(samples[i].equal(patterns[0]).all().item<bool>() || samples[i].equal(patterns[1]).all().item<bool>(), $"sample {i} is not one of the patterns");
        Assert.Equal(new long[] { 4, 2, 3 }, prior.Sample(4, temperature: 0.5, topK: 2).shape);
    }

    [Fact]
    public void Cached_token_by_token_logits_equal_the_whole_sequence_forward()
    {
        Lab.Init(seed: 43);
        var net = new AeLab.Models.Attention.TokenTransformer(9, 12, 16, 2, 3, causal: true, dropout: 0.1);
        net.eval();
        var tokens = randint(0, 9, new long[] { 3, 12 });
        using var _ = no_grad();
        var whole = net.forward(tokens);
        using var cache = net.NewCache();
        var pieces = new List<Tensor> { net.Forward(tokens.narrow(1, 0, 5), cache) };      // a prefix at once, then one at a time
        for (int i = 5; i < 12; i++) pieces.Add(net.Forward(tokens.narrow(1, i, 1), cache));
        Assert.Equal(12, cache.Length);
        Assert.True(cat(pieces.ToArray(), 1).allclose(whole, atol: 1e-5));
        Assert.Throws<ArgumentException>(() => net.Forward(tokens.narrow(1, 0, 1), cache));   // past the model's length
        using var other = net.NewCache();
        net.Forward(tokens.narrow(1, 0, 1), other);
        Assert.Contains("one cache per batch", Assert.Throws<ArgumentException>(() => net.Forward(tokens.narrow(0, 0, 2).narrow(1, 1, 1), other)).Message);
        Assert.Throws<InvalidOperationException>(() => new AeLab.Models.Attention.TokenTransformer(9, 12, 16, 2, 1, causal: false).NewCache());
    }
}
