using AeLab.Data;
using AeLab.Models;
using AeLab.Models.Attention;
using AeLab.Models.PixelCnn;
using AeLab.Models.Quantization;
using AeLab.Models.VqGan;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace AeLab.Tests.Models;

/// <summary>
/// Mistakes that libtorch reports in its own words, or (matmul, autograd.grad) by ending the process, come back from
/// the library as exceptions naming the argument, what it expects and what it got. None of these calls may reach
/// the native code: if a check were missing, the test process would end here.
/// </summary>
public class MistakeMessageTests(ITestOutputHelper output)
{
    T Refused<T>(Action call, params string[] parts) where T : Exception
    {
        var e = Assert.Throws<T>(call);
        output.WriteLine(e.Message);
        foreach (var p in parts) Assert.Contains(p, e.Message);
        return e;
    }

    [Fact]
    public void Attention_with_mismatched_batch_sizes_names_both_shapes()
    {
        Lab.Init(seed: 0);
        var e = Refused<ArgumentException>(() => ScaledDotProductAttention.Compute(randn(2, 4, 5, 8), randn(3, 4, 6, 8), randn(3, 4, 6, 3)),
            "ScaledDotProductAttention expects k with batch sizes", "q [2, 4, 5, 8]", "got [3, 4, 6, 8]");
        Assert.Equal("k", e.ParamName);
        Refused<ArgumentException>(() => ScaledDotProductAttention.Compute(randn(2, 5, 8), randn(2, 6, 8), randn(3, 6, 3)),
            "expects v with batch sizes", "got [3, 6, 3]");
        // Broadcasting batch sizes still work: one set of keys for every head.
        var a = ScaledDotProductAttention.Compute(randn(2, 4, 5, 8), randn(1, 6, 8), randn(6, 3));
        Assert.Equal(new long[] { 2, 4, 5, 3 }, a.Output.shape);
    }

    [Fact]
    public void Attention_with_a_float64_query_names_the_dtypes()
    {
        Lab.Init(seed: 0);
        var e = Refused<ArgumentException>(() => ScaledDotProductAttention.Compute(randn(5, 8, dtype: float64), randn(6, 8), randn(6, 3)),
            "ScaledDotProductAttention expects k with the dtype of q, float64; got float32.");
        Assert.Equal("k", e.ParamName);
        Refused<ArgumentException>(() => ScaledDotProductAttention.Compute(randn(5, 8), randn(6, 8), randn(6, 3, dtype: float64)),
            "expects v with the dtype of q, float32; got float64");
        Refused<ArgumentException>(() => ScaledDotProductAttention.Compute(ones(5, 8, dtype: int64), ones(6, 8, dtype: int64), ones(6, 3, dtype: int64)),
            "expects q as floating-point numbers; got int64");
        Refused<ArgumentException>(() => ScaledDotProductAttention.Compute(randn(5, 8), randn(6, 8), randn(6, 3), ones(4, 6, dtype: ScalarType.Bool)),
            "expects mask to broadcast to the scores [5, 6]", "got [4, 6]");
        // All float64 is fine.
        Assert.Equal(float64, ScaledDotProductAttention.Compute(randn(5, 8, dtype: float64), randn(6, 8, dtype: float64), randn(6, 3, dtype: float64)).Output.dtype);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Quantizers_given_float64_encoder_outputs_name_the_codebook_dtype(bool ema)
    {
        Lab.Init(seed: 0);
        nn.Module<Tensor, QuantizerOutput> q = ema ? new EmaVectorQuantizer(8, 4) : new VectorQuantizer(8, 4);
        var e = Refused<ArgumentException>(() => q.forward(randn(2, 4, 3, 3, dtype: float64)),
            $"{(ema ? "EmaVectorQuantizer" : "VectorQuantizer")} expects z with the dtype of the codebook, float32; got float64.", "z.to(float32)");
        Assert.Equal("z", e.ParamName);
        // The whole quantiser in float64 takes float64 codes.
        q.to(float64);
        Assert.Equal(float64, q.forward(randn(2, 4, 3, 3, dtype: float64)).Quantized.dtype);
        Refused<ArgumentException>(() => Codes.Distances(randn(5, 4), randn(8, 4, dtype: float64)), "expects flat with the dtype of the codebook");
        Refused<ArgumentException>(() => Codes.Distances(randn(5, 3), randn(8, 4)), "expects flat as rows [N, 4]", "got [5, 3]");
    }

    [Fact]
    public void Quantizer_lookup_of_a_code_outside_the_codebook_names_the_range()
    {
        Lab.Init(seed: 0);
        var q = new VectorQuantizer(8, 4);
        Refused<ArgumentException>(() => q.Lookup(full(1, 2, 2, 8L)), "VectorQuantizer expects indices in 0…7 (one of its 8 codes); got values from 8 to 8.");
    }

    static VqGanModel TinyVqGan() => new(new VectorQuantizer(codebookSize: 16, dim: 8), channels: 16, downsamples: 2, imageSize: 16);

    [Fact]
    public void VqGan_step_with_the_last_layer_frozen_is_refused_before_anything_changes()
    {
        Lab.Init(seed: 1);
        var model = TinyVqGan();
        var d = new PatchDiscriminator(3, baseChannels: 8, layers: 2);
        var step = new VqGanStep(model, d);
        model.LastLayerWeight.requires_grad = false;
        var before = model.parameters().Select(p => p.detach().clone()).ToList();
        Refused<InvalidOperationException>(() => step.Step(new Batch(rand(2, 3, 16, 16) * 2 - 1)),
            "expected model.LastLayerWeight.requires_grad true, got false", "AdaptiveWeight: false");
        Assert.Equal(0, step.GlobalStep);
        Assert.True(d.parameters().All(p => p.requires_grad), "the discriminator was left frozen");
        Assert.True(model.parameters().Zip(before).All(t => t.First.equal(t.Second).all().item<bool>()));
        // Without the adaptive weight a frozen last layer is fine.
        var plain = new VqGanStep(model, d, new VqGanLossSettings(AdaptiveWeight: false));
        Assert.True(float.IsFinite(plain.Step(new Batch(rand(2, 3, 16, 16) * 2 - 1)).Loss.item<float>()));
    }

    [Fact]
    public void VqGan_step_inside_no_grad_is_refused()
    {
        Lab.Init(seed: 1);
        var step = new VqGanStep(TinyVqGan(), new PatchDiscriminator(3, baseChannels: 8, layers: 2));
        using (no_grad())
            Refused<InvalidOperationException>(() => step.Step(new Batch(rand(2, 3, 16, 16) * 2 - 1)),
                "VqGanStep.Step trains, so it needs gradients: expected them switched on, got a call inside no_grad().");
        var frozen = TinyVqGan();
        foreach (var p in frozen.parameters()) p.requires_grad = false;
        Refused<InvalidOperationException>(() => new VqGanStep(frozen, null).Step(new Batch(rand(2, 3, 16, 16))), "parameters are all frozen");
    }

    [Fact]
    public void Adaptive_weight_of_a_detached_loss_or_a_frozen_weight_names_the_argument()
    {
        Lab.Init(seed: 3);
        var last = nn.Linear(4, 3);
        var y = last.forward(randn(6, 4));
        var rec = y.abs().mean();
        var gan = -y.mean();
        var e = Refused<ArgumentException>(() => GanLosses.AdaptiveWeight(rec, gan.detach(), last.weight!),
            "GanLosses.AdaptiveWeight expects ganLoss with its autograd graph (requires_grad true); got a tensor without one.");
        Assert.Equal("ganLoss", e.ParamName);
        Refused<ArgumentException>(() => GanLosses.AdaptiveWeight(y.abs(), gan, last.weight!), "expects reconstructionLoss as a scalar loss; got [6, 3]");
        Refused<ArgumentException>(() => GanLosses.AdaptiveWeight(rec, gan, randn(3, 4)), "expects lastLayerWeight to require gradients");
        using (no_grad())
        {
            var r = last.forward(randn(6, 4)).abs().mean();
            Refused<ArgumentException>(() => GanLosses.AdaptiveWeight(r, -r, last.weight!), "inside no_grad()");
        }
        Assert.True(GanLosses.AdaptiveWeight(rec, gan, last.weight!).item<float>() > 0);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Mlp_models_given_images_of_another_size_name_the_shape_they_were_built_for(bool vae)
    {
        Lab.Init(seed: 0);
        IAutoencoder model = vae ? new MlpVae() : new MlpAutoencoder();
        string who = vae ? "MlpVae" : "MlpAutoencoder";
        var x = rand(4, 3, 32, 32);
        var e = Refused<ArgumentException>(() => model.Encode(x),
            $"{who} expects x as images [B, 1, 28, 28] (or flat [B, 784]); got [4, 3, 32, 32]. The model was built for 1×28×28 images; build it for [3, 32, 32], or resize the images.");
        Assert.Equal("x", e.ParamName);
        Refused<ArgumentException>(() => model.Loss(x), "as images [B, 1, 28, 28] (or flat [B, 784]); got [4, 3, 32, 32].");
        IAutoencoder colour = vae ? new MlpVae(imageShape: [3, 8, 8]) : new MlpAutoencoder(imageShape: [3, 8, 8]);
        Refused<ArgumentException>(() => colour.Encode(rand(3, 8, 8)), "got [3, 8, 8]. Add the batch dimension: x.unsqueeze(0).");
        Refused<ArgumentException>(() => model.Decode(randn(2, 7)), $"{who} expects z as codes [B, {model.LatentShape[0]}]; got [2, 7].");
        // Flat inputs of the right size are still taken.
        Assert.Equal(new long[] { 2, 1, 28, 28 }, model.Decode(model.Encode(rand(2, 784))).shape);
    }

    [Fact]
    public void Priors_given_a_code_outside_the_codebook_name_the_range()
    {
        Lab.Init(seed: 0);
        var prior = new PixelCnnPrior(8, 4, 4, channels: 16, blocks: 1, embedDim: 8);
        var codes = zeros(2, 4, 4, dtype: int64);
        codes[1, 2, 3] = tensor(8L);
        var e = Refused<ArgumentException>(() => prior.Loss(codes), "PixelCnnPrior expects indices in 0…7 (one of its 8 codes); got values from 0 to 8.");
        Assert.Equal("indices", e.ParamName);
        Refused<ArgumentException>(() => prior.forward(full(1, 4, 4, -1L)), "got values from -1 to -1");

        using var t = new TokenTransformer(vocab: 10, length: 6, dim: 8, heads: 2, layers: 1, causal: true);
        Refused<ArgumentException>(() => t.forward(tensor(new long[,] { { 1, 2, 10 } })), "TokenTransformer expects tokens in 0…9 (one of its 10 tokens); got values from 1 to 10.");
        var ar = new AutoregressivePrior(8, 2, 2, dim: 8, heads: 2, layers: 1);
        Refused<ArgumentException>(() => ar.Loss(full(1, 2, 2, 8L)), "AutoregressivePrior expects codes in 0…7 (one of its 8 codes); got values from 8 to 8.");
        var maskGit = MaskGitPrior.WithTransformer(8, 2, 2, dim: 8, heads: 2, layers: 1);
        Refused<ArgumentException>(() => maskGit.Loss(full(1, 2, 2, 8L)), "MaskGitPrior expects indices in 0…7");
    }
}
