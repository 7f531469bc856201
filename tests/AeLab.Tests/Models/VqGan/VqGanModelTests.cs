using AeLab.Data;
using AeLab.Models.Quantization;
using AeLab.Models.VqGan;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Tests.Models.VqGan;

public class VqGanModelTests
{
    static VqGanModel Tiny(int size = 16) => new(new VectorQuantizer(codebookSize: 16, dim: 8), channels: 16, downsamples: 2, imageSize: size);

    [Fact]
    public void Encodes_to_a_code_map_and_decodes_codes_back_to_images()
    {
        Lab.Init(seed: 0);
        var model = Tiny();
        model.eval();
        var x = rand(3, 3, 16, 16) * 2 - 1;
        using var _ = no_grad();
        var indices = model.EncodeIndices(x);
        Assert.Equal(new long[] { 3, 4, 4 }, indices.shape);
        Assert.Equal(int64, indices.dtype);
        Assert.True(indices.lt(16).all().item<bool>());
        // Decoding the indices gives the same images as the straight-through path.
        var diff = (model.DecodeIndices(indices) - model.forward(x)).abs().max().item<float>();
        Assert.True(diff < 1e-4, $"decoded indices differ from the forward pass by {diff}");
        Assert.Equal(new long[] { 5, 3, 16, 16 }, model.Sample(5).shape);
        Assert.Equal(4, model.CodeSize);
        Assert.Equal(new long[] { 3, 16, 3, 3 }, model.LastLayerWeight.shape);   // the RGB output layer, stock Conv2d
        Assert.Throws<ArgumentException>(() => model.forward(rand(1, 3, 18, 18)));
    }

    [Fact]
    public void A_fresh_model_has_finite_weights_and_unit_group_norms()
    {
        // Guards the GroupNorm initialisation workaround in VqResBlock.Norm.
        for (int seed = 0; seed < 3; seed++)
        {
            Lab.Init(seed: seed);
            var model = Tiny();
            Assert.All(model.named_parameters(), p => Assert.False(p.parameter.isnan().any().item<bool>() || p.parameter.isinf().any().item<bool>(), $"{p.name} is not finite"));
            var norm = VqResBlock.Norm(8, 16);
            Assert.True(norm.weight!.eq(1).all().item<bool>() && norm.bias!.eq(0).all().item<bool>());
        }
    }

    [Fact]
    public void Loss_is_l1_plus_codebook_and_commitment_terms()
    {
        Lab.Init(seed: 1);
        var model = Tiny();
        var x = rand(2, 3, 16, 16) * 2 - 1;
        var output = model.Loss(x);
        var q = model.Quantize(x);
        var recon = model.Decode(q.Quantized);
        var expected = (recon - x).abs().mean() + q.CodebookLoss + 0.25 * q.CommitmentLoss;
        Assert.Equal(expected.item<float>(), output.Loss.item<float>(), 4);
        Assert.Contains("perplexity", output.Metrics.Keys);
    }

    [Fact]
    public void The_discriminator_trains_only_from_its_start_step_and_lambda_is_reported()
    {
        Lab.Init(seed: 2);
        var model = Tiny();
        var d = new PatchDiscriminator(3, baseChannels: 8, layers: 2);
        var trainer = new VqGanStep(model, d, new VqGanLossSettings(DiscriminatorStart: 2), learningRate: 1e-3);
        var x = rand(4, 3, 16, 16) * 2 - 1;
        var before = d.parameters().Select(p => p.detach().clone()).ToList();
        for (int i = 0; i < 2; i++)
        {
            var m = trainer.Step(new Batch(x)).Metrics;
            Assert.DoesNotContain("d_loss", m.Keys);
            Assert.DoesNotContain("lambda", m.Keys);
        }
        Assert.True(d.parameters().Zip(before).All(t => t.First.equal(t.Second).all().item<bool>()), "the discriminator changed before its start step");
        var after = trainer.Step(new Batch(x)).Metrics;
        Assert.Contains("d_loss", after.Keys);
        Assert.Contains("perceptual", after.Keys);
        var accuracy = after["d_accuracy"].item<float>();
        Assert.InRange(accuracy, 0f, 1f);
        var lambda = after["lambda"].item<float>();
        Assert.True(lambda > 0 && lambda <= 0.8 * GanLosses.MaxAdaptiveWeight, $"lambda {lambda}");
        Assert.False(d.parameters().Zip(before).All(t => t.First.equal(t.Second).all().item<bool>()), "the discriminator did not train after its start step");
        Assert.Equal(3, trainer.GlobalStep);
    }

    [Fact]
    public void The_baseline_without_discriminator_lowers_its_loss_on_a_batch()
    {
        Lab.Init(seed: 3);
        var model = Tiny();
        var trainer = new VqGanStep(model, null, learningRate: 2e-3);
        var x = rand(8, 3, 16, 16) * 2 - 1;
        var first = trainer.Step(new Batch(x)).Metrics["l1"].item<float>();
        float last = first;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 40; i++) last = trainer.Step(new Batch(x)).Metrics["l1"].item<float>();
        Assert.True(last < 0.8 * first, $"L1 went from {first} to {last} in {sw.Elapsed.TotalSeconds:F1} s");
    }
}
