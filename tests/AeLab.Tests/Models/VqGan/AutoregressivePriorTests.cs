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

    [Fact]
    public void A_class_conditional_prior_learns_one_map_per_class_and_samples_the_class_asked_for()
    {
        Lab.Init(seed: 44);
        // Class c's maps are pattern c: the class token alone determines the whole map.
        var patterns = tensor(new long[] { 0, 1, 2, 3, 3, 2, 1, 0, 1, 1, 2, 2 }).reshape(3, 2, 2);
        var labels = randint(0, 3, new long[] { 240 });
        var data = patterns.index_select(0, labels);
        var prior = new AutoregressivePrior(4, 2, 2, dim: 32, heads: 2, layers: 2, dropout: 0, keepProbability: 1, classes: 3);
        using var opt = optim.Adam(prior.parameters(), 3e-3);
        var result = new Trainer(prior, opt) { Quiet = true }.Fit(new TokenBatches(data, 24, labels: labels), epochs: 30);
        Assert.True(result.Last!["nll"] < 0.05, $"nll per code {result.Last!["nll"]}");
        for (int c = 0; c < 3; c++)
        {
            var samples = prior.Sample(8, 1.0, topK: 1, label: c);   // the likeliest code at each step
            Assert.True(samples.eq(patterns[c].unsqueeze(0)).all().item<bool>(), $"class {c}'s samples are not its pattern");
        }
        var nll = prior.NegativeLogLikelihood(patterns, arange(3L));
        var wrong = prior.NegativeLogLikelihood(patterns, tensor(new long[] { 1, 2, 0 }));
        Assert.True(nll.lt(0.05).all().item<bool>() && wrong.gt(1).all().item<bool>(), $"right labels {nll.str()}, wrong {wrong.str()}");
        Assert.Equal(new long[] { 5, 2, 2 }, prior.Sample(5).shape);   // random classes
    }

    [Fact]
    public void Labels_are_refused_where_they_do_not_fit_with_the_fix_in_the_message()
    {
        Lab.Init(seed: 45);
        var conditional = new AutoregressivePrior(4, 2, 2, dim: 8, heads: 2, layers: 1, classes: 3);
        var plain = new AutoregressivePrior(4, 2, 2, dim: 8, heads: 2, layers: 1);
        var codes = zeros(2, 2, 2, dtype: int64);
        Assert.Contains("give each code map's label", Assert.Throws<ArgumentException>(() => conditional.Loss(codes)).Message);
        Assert.Contains("unconditional", Assert.Throws<ArgumentException>(() => plain.Loss(codes, zeros(2, dtype: int64))).Message);
        Assert.Contains("0…2", Assert.Throws<ArgumentException>(() => conditional.Loss(codes, full(2, 3L))).Message);
        Assert.Contains("0…2", Assert.Throws<ArgumentOutOfRangeException>(() => conditional.Sample(1, 1.0, label: 3)).Message);
        Assert.Throws<InvalidOperationException>(() => plain.Sample(1, 1.0, label: 0));
        Assert.Contains("one per code map", Assert.Throws<ArgumentException>(() => new TokenBatches(codes, 2, labels: zeros(3, dtype: int64))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new AutoregressivePrior(4, 2, 2, classes: -1));
    }
}
