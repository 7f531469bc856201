using AeLab.Models.Quantization;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Tests.Models.Quantization;

public class QuantizerTests
{
    static IEnumerable<IQuantizer> Both(int k, int d) => new IQuantizer[] { new VectorQuantizer(k, d), new EmaVectorQuantizer(k, d) };

    [Fact]
    public void Indices_are_the_brute_force_nearest_codes_and_quantized_is_their_lookup()
    {
        Lab.Init(seed: 11);
        foreach (var q in Both(10, 4))
        {
            ((nn.Module)q).eval();
            var z = randn(2, 4, 3, 5);
            var o = q.forward(z);
            Assert.Equal(new long[] { 2, 3, 5 }, o.Indices.shape);
            Assert.Equal(ScalarType.Int64, o.Indices.dtype);
            Assert.Equal(z.shape, o.Quantized.shape);
            var e = q.Codebook.to(float64);
            for (int b = 0; b < 2; b++)
                for (int h = 0; h < 3; h++)
                    for (int w = 0; w < 5; w++)
                    {
                        var v = z[b, .., h, w].to(float64);
                        int best = -1; double bestD = double.MaxValue;
                        for (int k = 0; k < 10; k++)
                        {
                            double d = (v - e[k]).pow(2).sum().item<double>();
                            if (d < bestD) { bestD = d; best = k; }
                        }
                        Assert.Equal(best, o.Indices[b, h, w].item<long>());
                        Assert.True(o.Quantized[b, .., h, w].allclose(q.Codebook[best], atol: 1e-6));
                    }
            Assert.True(q.Lookup(o.Indices).allclose(o.Quantized, atol: 1e-6));
        }
    }

    [Fact]
    public void Straight_through_gradient_equals_the_gradient_at_the_quantized_output()
    {
        Lab.Init(seed: 12);
        foreach (var q in Both(8, 3))
        {
            var weights = randn(2, 3, 4, 4);
            Tensor F(Tensor t) => (t.pow(2) * weights).sum() + t.sin().sum();   // any non-linear loss of the decoder input
            var z = randn(2, 3, 4, 4).requires_grad_();
            var o = q.forward(z);
            F(o.Quantized).backward();
            // The point the decoder saw (for the EMA quantiser: the codes before this step's update, see below).
            var zq = o.Quantized.detach().clone().requires_grad_();
            F(zq).backward();
            Assert.False(z.allclose(zq));                        // the values differ...
            Assert.True(z.grad!.allclose(zq.grad!, atol: 1e-5)); // ...the gradients are the same
        }
    }

    [Fact]
    public void Loss_terms_are_the_two_stop_gradient_mses_and_reach_the_right_tensors()
    {
        Lab.Init(seed: 13);
        var q = new VectorQuantizer(6, 3);
        var z = randn(1, 3, 2, 2).requires_grad_();
        var o = q.forward(z);
        var zq = q.Lookup(o.Indices).detach();
        double expected = (z.detach() - zq).pow(2).mean().item<float>();
        Assert.Equal(expected, o.CommitmentLoss.item<float>(), 5);
        Assert.Equal(expected, o.CodebookLoss.item<float>(), 5);
        // Commitment trains only the encoder output; the codebook term trains only the chosen codes.
        o.CommitmentLoss.backward(retain_graph: true);
        Assert.Null(q.Codebook.grad);
        Assert.True(z.grad!.abs().sum().item<float>() > 0);
        z.grad!.zero_();
        o.CodebookLoss.backward();
        Assert.Equal(0f, z.grad!.abs().sum().item<float>());
        var used = CodebookStats.Counts(o.Indices, 6).gt(0);
        var rowGrad = q.Codebook.grad!.abs().sum(1);
        for (int k = 0; k < 6; k++)
            Assert.Equal(used[k].item<bool>(), rowGrad[k].item<float>() > 0);
    }

    [Fact]
    public void Ema_moves_each_code_to_the_mean_of_its_assigned_vectors()
    {
        Lab.Init(seed: 14);
        var q = new EmaVectorQuantizer(3, 2, decay: 0.9, restartDeadCodes: false);
        q.InitializeCodebook(tensor(new float[] { 0, 0, 10, 0, 0, 10 }).reshape(3, 2));
        var centres = tensor(new float[] { 1, 1, 9, -1, -1, 9 }).reshape(3, 2);
        q.train();
        double before = (q.Codebook - centres).norm().item<float>();
        double last = before;
        for (int step = 0; step < 200; step++)
        {
            // 3 clusters of 16 points each around the centres, as a [1, 2, 6, 8] map.
            var points = centres.repeat_interleave(16, 0) + 0.1 * randn(48, 2);
            var o = q.forward(points.t().reshape(1, 2, 6, 8));
            if (step == 0)
            {
                double afterOne = (q.Codebook - centres).norm().item<float>();
                Assert.True(afterOne < before, $"one EMA step should move codes towards their means ({before} → {afterOne})");
            }
            last = (q.Codebook - centres).norm().item<float>();
        }
        Assert.True(last < 0.1, $"codes should settle on the cluster means; distance {last}");
        Assert.Equal(0f, q.forward(randn(1, 2, 2, 2)).CodebookLoss.item<float>());
    }

    [Fact]
    public void Ema_output_and_commitment_use_the_codes_that_chose_the_indices()
    {
        // As Sonnet's VectorQuantizerEMA and zalando's vq-vae: the straight-through output and the commitment loss come
        // from the codebook before this step's moving-average update; the update only moves the codes for the next batch.
        Lab.Init(seed: 15);
        var q = new EmaVectorQuantizer(3, 2, decay: 0.5, restartDeadCodes: false);
        var start = tensor(new float[] { 0, 0, 10, 0, 0, 10 }).reshape(3, 2);
        q.InitializeCodebook(start);
        q.train();
        var z = (tensor(new float[] { 1, 1, 9, -1, -1, 9, 2, 0 }).reshape(4, 2)).t().reshape(1, 2, 2, 2);
        var o = q.forward(z);
        Assert.False(q.Codebook.allclose(start), "the EMA step should have moved the codebook");
        var chosen = start.index_select(0, o.Indices.reshape(-1)).reshape(1, 2, 2, 2).permute(0, 3, 1, 2);
        Assert.True(o.Quantized.allclose(chosen, atol: 1e-6), "the output must be the codes that were nearest");
        var commitment = nn.functional.mse_loss(z, chosen).item<float>();
        Assert.Equal(commitment, o.CommitmentLoss.item<float>(), 5);
    }

    [Fact]
    public void Eval_mode_leaves_the_ema_codebook_unchanged()
    {
        Lab.Init(seed: 15);
        var q = new EmaVectorQuantizer(5, 2);
        q.eval();
        var before = q.Codebook.clone();
        q.forward(randn(4, 2, 3, 3) + 5);
        Assert.True(q.Codebook.equal(before).all().item<bool>());
    }

    [Fact]
    public void Restarts_revive_codes_that_no_vector_chooses()
    {
        Lab.Init(seed: 16);
        // Data far from the initial codes: without restarts one or two codes take everything.
        Tensor Batch() => randn(8, 4, 4, 4) * 0.5 + 6;
        double UsageAfterTraining(bool restart)
        {
            Lab.Seed(3);
            var q = new EmaVectorQuantizer(16, 4, restartDeadCodes: restart);
            q.train();
            for (int i = 0; i < 50; i++) q.forward(Batch());
            q.eval();
            var o = q.forward(Batch());
            if (restart) Assert.True(q.Restarts.item<float>() >= 14, $"restarts {q.Restarts.item<float>()}, usage {CodebookStats.Usage(q.forward(Batch()).Indices, 16)}");
            return CodebookStats.Usage(o.Indices, 16);
        }
        double without = UsageAfterTraining(false), with = UsageAfterTraining(true);
        Assert.True(without <= 0.25, $"usage without restarts {without}");
        Assert.True(with >= 0.9, $"usage with restarts {with}");
    }

    [Fact]
    public void Ema_statistics_are_saved_with_the_model()
    {
        Lab.Init(seed: 17);
        var q = new EmaVectorQuantizer(4, 2);
        var keys = q.state_dict().Keys.ToArray();
        Assert.Contains("codebook", keys);
        Assert.Contains("clusterSize", keys);
        Assert.Contains("embedSum", keys);
    }

    [Fact]
    public void Stats_give_usage_and_perplexity_of_a_histogram()
    {
        Lab.Init(seed: 18);
        var idx = tensor(new long[] { 0, 0, 1, 1 }).reshape(1, 2, 2);
        Assert.Equal(0.5, CodebookStats.Usage(idx, 4), 6);
        Assert.Equal(2.0, CodebookStats.Perplexity(idx, 4), 5);
        Assert.Equal(1.0, CodebookStats.Perplexity(zeros(1, 3, 3, dtype: int64), 4), 5);
        Assert.Equal(new long[] { 2, 2, 0, 0 }, CodebookStats.Counts(idx, 4).data<long>().ToArray());
        // The quantiser's batch perplexity is the same quantity.
        var q = new VectorQuantizer(8, 2);
        var o = q.forward(randn(3, 2, 4, 4));
        Assert.Equal(CodebookStats.Perplexity(o.Indices, 8), o.Perplexity.item<float>(), 3);
    }

    [Fact]
    public void Wrong_channel_count_names_the_code_dimension()
    {
        Lab.Init(seed: 19);
        var e = Assert.Throws<ArgumentException>(() => new VectorQuantizer(8, 4).forward(randn(1, 3, 2, 2)));
        Assert.Contains("code dimension 4", e.Message);
        Assert.Throws<ArgumentException>(() => new EmaVectorQuantizer(8, 4).Lookup(zeros(1, 2, 2)));
    }
}
