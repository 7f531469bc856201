using AeLab.Models.Attention;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Tests.Models.Attention;

public class AttentionTests
{
    [Fact]
    public void Weights_are_a_softmax_over_keys_and_match_the_formula()
    {
        Lab.Init(seed: 0);
        using var q = randn(2, 3, 5, 8);
        using var k = randn(2, 3, 7, 8);
        using var v = randn(2, 3, 7, 4);
        var a = ScaledDotProductAttention.Compute(q, k, v);
        Assert.Equal(new long[] { 2, 3, 5, 7 }, a.Weights.shape);
        Assert.Equal(new long[] { 2, 3, 5, 4 }, a.Output.shape);
        Assert.True(a.Weights.sum(-1).allclose(ones(2, 3, 5), atol: 1e-6));
        Assert.True(a.Weights.min().item<float>() >= 0);
        // softmax(QKᵀ/√d_k)V spelled out with exp and a row sum.
        var e = matmul(q, k.transpose(-2, -1)).div(Math.Sqrt(8)).exp();
        var w = e / e.sum(-1, keepdim: true);
        Assert.True(a.Weights.allclose(w, atol: 1e-6));
        Assert.True(a.Output.allclose(matmul(w, v), atol: 1e-5));
    }

    [Fact]
    public void Masked_keys_get_exactly_zero_weight()
    {
        Lab.Init(seed: 0);
        using var q = randn(4, 6, 8);
        using var v = randn(4, 6, 3);
        using var mask = ScaledDotProductAttention.CausalMask(6);
        var a = ScaledDotProductAttention.Compute(q, q, v, mask);
        using var above = mask.logical_not().expand(4, 6, 6);
        Assert.Equal(0f, a.Weights.masked_select(above).abs().max().item<float>());
        Assert.True(a.Weights.sum(-1).allclose(ones(4, 6), atol: 1e-6));
        // The first query can only see the first key, so it copies the first value.
        Assert.True(a.Output.select(1, 0).allclose(v.select(1, 0), atol: 1e-6));
        // An arbitrary mask: key 2 hidden from everyone.
        using var hide2 = ones(6, 6, dtype: ScalarType.Bool).index_fill(1, tensor(new long[] { 2 }), false);
        var b = ScaledDotProductAttention.Compute(q, q, v, hide2);
        Assert.Equal(0f, b.Weights.select(-1, 2).abs().max().item<float>());
    }

    [Fact]
    public void Bad_shapes_and_masks_are_named()
    {
        Lab.Init(seed: 0);
        var e = Assert.Throws<ArgumentException>(() => ScaledDotProductAttention.Compute(randn(2, 5, 8), randn(2, 5, 4), randn(2, 5, 4)));
        Assert.Contains("d_k", e.Message);
        Assert.Throws<ArgumentException>(() => ScaledDotProductAttention.Compute(randn(5, 8), randn(5, 8), randn(5, 8), ones(5, 5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MultiHeadAttention(10, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => PositionalEncoding.Sinusoidal(4, 5));
    }

    [Fact]
    public void One_head_equals_the_attention_computed_by_hand()
    {
        Lab.Init(seed: 0);
        using var mha = new MultiHeadAttention(dim: 8, heads: 1);
        mha.eval();
        using var x = randn(2, 5, 8);
        using var y = mha.forward(x);
        using var _ = no_grad();
        var q = mha.Query.forward(x); var k = mha.Key.forward(x); var v = mha.Value.forward(x);
        var e = matmul(q, k.transpose(1, 2)).div(Math.Sqrt(8)).exp();
        var w = e / e.sum(-1, keepdim: true);
        var expected = mha.Output.forward(matmul(w, v));
        Assert.True(y.allclose(expected, atol: 1e-5));
        Assert.Equal(new long[] { 2, 1, 5, 5 }, mha.LastWeights!.shape);
        Assert.True(mha.LastWeights!.squeeze(1).allclose(w, atol: 1e-6));
    }

    [Fact]
    public void Heads_attend_separately_in_slices_of_the_width()
    {
        Lab.Init(seed: 0);
        using var mha = new MultiHeadAttention(dim: 8, heads: 2);
        using var x = randn(3, 4, 8);
        using var y = mha.forward(x);
        using var _ = no_grad();
        var q = mha.Query.forward(x); var k = mha.Key.forward(x); var v = mha.Value.forward(x);
        var parts = new List<Tensor>();
        for (int h = 0; h < 2; h++)
        {
            var (qh, kh, vh) = (q.narrow(2, 4 * h, 4), k.narrow(2, 4 * h, 4), v.narrow(2, 4 * h, 4));
            parts.Add(ScaledDotProductAttention.Compute(qh, kh, vh).Output);
        }
        Assert.True(y.allclose(mha.Output.forward(cat(parts, 2)), atol: 1e-5));
        Assert.Equal(new long[] { 3, 2, 4, 4 }, mha.LastWeights!.shape);
    }

    [Fact]
    public void Sinusoid_has_the_paper_values()
    {
        using var pe = PositionalEncoding.Sinusoidal(50, 16);
        Assert.Equal(new long[] { 50, 16 }, pe.shape);
        int p = 7, i = 3;   // column 2i = sin(p / 10000^{2i/d}), 2i+1 = cos
        double angle = p / Math.Pow(10000, 2.0 * i / 16);
        Assert.Equal(Math.Sin(angle), pe[p, 2 * i].item<float>(), 5);
        Assert.Equal(Math.Cos(angle), pe[p, 2 * i + 1].item<float>(), 5);
        Assert.Equal(0f, pe[0, 0].item<float>());
        Assert.Equal(1f, pe[0, 1].item<float>());
    }

    [Fact]
    public void Token_transformer_shapes_and_weights_per_layer()
    {
        Lab.Init(seed: 0);
        foreach (var sinusoidal in new[] { false, true })
        {
            using var m = new TokenTransformer(vocab: 11, length: 9, dim: 16, heads: 4, layers: 3, causal: false, sinusoidalPositions: sinusoidal);
            using var tokens = randint(0, 11, new long[] { 5, 9 }, dtype: int64);
            using var logits = m.forward(tokens);
            Assert.Equal(new long[] { 5, 9, 11 }, logits.shape);
            Assert.Equal(3, m.AttentionWeights.Count);
            foreach (var w in m.AttentionWeights) Assert.Equal(new long[] { 5, 4, 9, 9 }, w.shape);
            using var shorter = m.forward(tokens.narrow(1, 0, 4));
            Assert.Equal(new long[] { 5, 4, 11 }, shorter.shape);
        }
        using var t = new TokenTransformer(11, 9, 16, 4, 1, causal: true);
        Assert.Throws<ArgumentException>(() => t.forward(randint(0, 11, new long[] { 2, 10 }, dtype: int64)));
        Assert.Throws<ArgumentException>(() => t.forward(rand(2, 9)));
    }

    [Fact]
    public void Causal_output_at_i_ignores_later_tokens()
    {
        Lab.Init(seed: 0);
        using var m = new TokenTransformer(vocab: 10, length: 8, dim: 16, heads: 2, layers: 2, causal: true);
        m.eval();
        using var _ = no_grad();
        var a = randint(0, 10, new long[] { 3, 8 }, dtype: int64);
        var b = a.clone();
        b[TensorIndex.Colon, TensorIndex.Slice(5)] = randint(0, 10, new long[] { 3, 3 }, dtype: int64);
        b[TensorIndex.Colon, 5] = (a[TensorIndex.Colon, 5] + 1) % 10;      // make sure position 5 really changes
        var la = m.forward(a); var lb = m.forward(b);
        Assert.True(la.narrow(1, 0, 5).allclose(lb.narrow(1, 0, 5), atol: 1e-6));
        Assert.False(la.narrow(1, 5, 3).allclose(lb.narrow(1, 5, 3), atol: 1e-4));
        foreach (var w in m.AttentionWeights)
            Assert.Equal(0f, w.triu(1).abs().max().item<float>());

        // The same weights without the mask: early positions do see later tokens.
        using var full = new TokenTransformer(vocab: 10, length: 8, dim: 16, heads: 2, layers: 2, causal: false);
        full.load_state_dict(m.state_dict());
        full.eval();
        Assert.False(full.forward(a).narrow(1, 0, 5).allclose(full.forward(b).narrow(1, 0, 5), atol: 1e-4));
    }

    [Fact]
    public void Learns_to_reverse_short_sequences()
    {
        Lab.Init(seed: 0);
        using var m = new TokenTransformer(vocab: 6, length: 5, dim: 32, heads: 2, layers: 2, causal: false);
        var opt = optim.Adam(m.parameters(), 3e-3);
        for (int step = 0; step < 300; step++)
        {
            using var scope = NewDisposeScope();
            var x = randint(0, 6, new long[] { 64, 5 }, dtype: int64);
            var loss = nn.functional.cross_entropy(m.forward(x).view(-1, 6), x.flip(1).reshape(-1));
            opt.zero_grad(); loss.backward(); opt.step();
        }
        m.eval();
        using var _ = no_grad();
        var test = randint(0, 6, new long[] { 256, 5 }, dtype: int64);
        double accuracy = m.forward(test).argmax(-1).eq(test.flip(1)).to(float32).mean().item<float>();
        Assert.True(accuracy > 0.95, $"token accuracy {accuracy:F3}");
    }
}
