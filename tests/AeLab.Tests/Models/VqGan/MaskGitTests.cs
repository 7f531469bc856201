using AeLab.Models.VqGan;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Tests.Models.VqGan;

public class MaskGitTests
{
    /// <summary>A stand-in token network whose predictions change at random on every call: the hardest case for
    /// "confirmed tokens stay", since every new draw differs from the last.</summary>
    sealed class RandomLogits : nn.Module<Tensor, Tensor>
    {
        readonly int vocab;
        public RandomLogits(int vocab) : base(nameof(RandomLogits)) { this.vocab = vocab; RegisterComponents(); }
        public override Tensor forward(Tensor tokens) => randn(tokens.shape[0], tokens.shape[1], vocab) * 3;
    }

    [Fact]
    public void Cosine_schedule_masks_everything_at_zero_and_nothing_at_one()
    {
        Assert.Equal(1.0, MaskGitPrior.MaskRatio(0), 12);
        Assert.Equal(0.0, MaskGitPrior.MaskRatio(1), 12);
        Assert.Equal(Math.Sqrt(0.5), MaskGitPrior.MaskRatio(0.5), 12);
        for (int i = 0; i < 20; i++) Assert.True(MaskGitPrior.MaskRatio((i + 1) / 20.0) < MaskGitPrior.MaskRatio(i / 20.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => MaskGitPrior.MaskRatio(1.5));
    }

    [Fact]
    public void Masking_replaces_ceil_gamma_L_tokens_and_keeps_the_others()
    {
        Lab.Init(seed: 0);
        var prior = new MaskGitPrior(new RandomLogits(11), codebookSize: 10, height: 4, width: 5);
        var tokens = randint(0, 10, new long[] { 4, 4, 5 });
        var r = tensor(new[] { 0.0, 0.5, 0.9, 0.999 });
        var (input, mask) = prior.Mask(tokens, r);
        var flat = tokens.reshape(4, 20);
        long[] expected = { 20, (long)Math.Ceiling(Math.Sqrt(0.5) * 20), (long)Math.Ceiling(Math.Cos(Math.PI / 2 * 0.9) * 20), 1 };
        Assert.Equal(expected, mask.sum(1).data<long>().ToArray());
        Assert.True(input.masked_select(mask).eq(10).all().item<bool>());
        Assert.True(input.masked_select(mask.logical_not()).eq(flat.masked_select(mask.logical_not())).all().item<bool>());
        // Random draws of r give every fraction between 1 token and all.
        var (_, randomMask) = prior.Mask(randint(0, 10, new long[] { 256, 20 }));
        var counts = randomMask.sum(1);
        Assert.True(counts.min().item<long>() >= 1 && counts.max().item<long>() <= 20);
        Assert.True(counts.to(float32).std().item<float>() > 2, "the masked count should vary from row to row");
    }

    [Fact]
    public void Loss_is_cross_entropy_on_masked_positions_only()
    {
        Lab.Init(seed: 1);
        var net = new RandomLogits(5);
        var prior = new MaskGitPrior(net, codebookSize: 4, height: 2, width: 3);
        var tokens = randint(0, 4, new long[] { 3, 2, 3 });
        // With everything masked (r = 0) and a fixed network the loss is the CE over all positions.
        Lab.Seed(7);
        var loss = prior.Loss(tokens, zeros(3, dtype: float64)).Loss.item<float>();
        Lab.Seed(7);
        prior.Mask(tokens, zeros(3, dtype: float64));   // same random draws as inside Loss
        var logits = net.forward(full(3, 6, 4, dtype: int64)).narrow(2, 0, 4);
        var ce = nn.functional.cross_entropy(logits.reshape(-1, 4), tokens.reshape(-1)).item<float>();
        Assert.Equal(ce, loss, 4);
    }

    [Fact]
    public void Sampler_fills_every_position_and_never_changes_a_confirmed_token()
    {
        Lab.Init(seed: 2);
        var prior = new MaskGitPrior(new RandomLogits(9), codebookSize: 8, height: 4, width: 4);
        const int steps = 6;
        var states = new List<Tensor>();
        var codes = prior.Sample(5, steps: steps, onStep: (t, tokens) => states.Add(tokens.clone()));
        Assert.Equal(new long[] { 5, 4, 4 }, codes.shape);
        Assert.Equal(steps, states.Count);
        Assert.True(codes.lt(8).all().item<bool>() && codes.ge(0).all().item<bool>(), "every position holds a code, none is [MASK]");
        for (int t = 1; t < steps; t++)
        {
            var confirmed = states[t - 1].ne(8);
            Assert.True(states[t].masked_select(confirmed).eq(states[t - 1].masked_select(confirmed)).all().item<bool>(), $"step {t + 1} changed a token confirmed at step {t}");
            // The number still masked follows floor(L · cos(π/2 · t/T)), at least one until the last step.
            long stillMasked = states[t - 1].eq(8).sum(1)[0].item<long>();
            Assert.Equal(Math.Max(1, (long)Math.Floor(16 * Math.Cos(Math.PI / 2 * t / steps))), stillMasked);
        }
    }

    [Fact]
    public void Sampler_keeps_the_tokens_it_is_given()
    {
        Lab.Init(seed: 3);
        var prior = new MaskGitPrior(new RandomLogits(9), codebookSize: 8, height: 3, width: 3);
        var start = full(2, 3, 3, 8, dtype: int64);
        start[0, 0, 0] = tensor(5L); start[1, 2, 1] = tensor(3L);
        var codes = prior.Sample(0, steps: 4, start: start);
        Assert.Equal(5L, codes[0, 0, 0].item<long>());
        Assert.Equal(3L, codes[1, 2, 1].item<long>());
        Assert.True(codes.lt(8).all().item<bool>());
        Assert.Throws<ArgumentException>(() => prior.Sample(0, start: full(2, 4, 4, 8, dtype: int64)));
    }
}

public class MaskGitTransformerTests
{
    [Fact]
    public void The_transformer_prior_learns_a_fixed_code_map_and_samples_it_back()
    {
        Lab.Init(seed: 0);
        var prior = MaskGitPrior.WithTransformer(codebookSize: 6, height: 2, width: 3, dim: 32, heads: 2, layers: 1, dropout: 0);
        Assert.Equal(new long[] { 2, 6, 6 }, prior.forward(zeros(2, 2, 3, dtype: int64)).shape);
        // One code map repeated: the prior should learn to reproduce it from any visible part.
        var map = tensor(new long[] { 0, 1, 2, 3, 4, 5 }).reshape(1, 2, 3).expand(16, 2, 3).contiguous();
        var opt = optim.Adam(prior.parameters(), 3e-3);
        float first = 0, last = 0;
        for (int i = 0; i < 150; i++)
        {
            opt.zero_grad();
            var loss = prior.Loss(map).Loss;
            loss.backward();
            opt.step();
            if (i == 0) first = loss.item<float>();
            last = loss.item<float>();
        }
        Assert.True(last < 0.1 * first, $"masked cross-entropy went from {first} to {last}");
        prior.eval();
        var samples = prior.Sample(4, steps: 4, temperature: 0.5);
        Assert.True(samples.eq(map.narrow(0, 0, 4)).all().item<bool>(), "samples should reproduce the only map it saw");
    }
}
