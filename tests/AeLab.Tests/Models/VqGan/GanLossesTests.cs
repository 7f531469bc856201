using AeLab.Models.VqGan;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Tests.Models.VqGan;

public class GanLossesTests
{
    [Fact]
    public void Discriminator_hinge_counts_only_patches_inside_the_margin()
    {
        Lab.Init();
        var real = tensor(new[] { 2f, 0.5f, -1f, 1f });   // relu(1 - d): 0, 0.5, 2, 0 → mean 0.625
        var fake = tensor(new[] { -3f, 0f, 0.5f, -1f });  // relu(1 + d): 0, 1, 1.5, 0 → mean 0.625
        Assert.Equal(0.625, GanLosses.DiscriminatorHinge(real, fake).item<float>(), 5);
        Assert.Equal(0.0, GanLosses.DiscriminatorHinge(full(4, 1.5f), full(4, -2f)).item<float>(), 6);
        Assert.Equal(0.875, GanLosses.GeneratorHinge(fake).item<float>(), 5);
    }

    [Fact]
    public void Adaptive_weight_is_the_ratio_of_gradient_norms_at_the_last_layer()
    {
        Lab.Init(seed: 3);
        var body = nn.Linear(5, 4);
        var last = nn.Linear(4, 3);
        var x = randn(6, 5);
        var target = randn(6, 3);
        var y = last.forward(nn.functional.relu(body.forward(x)));
        var rec = (y - target).abs().mean();
        var gan = -(y * tensor(new[] { 0.3f, -2f, 1f })).mean();

        var lambda = GanLosses.AdaptiveWeight(rec, gan, last.weight!);

        // The same ratio from two separate backward passes.
        rec.backward(retain_graph: true);
        var gRec = last.weight!.grad!.clone();
        last.zero_grad();
        gan.backward();
        var gGan = last.weight!.grad!.clone();
        var expected = gRec.norm().item<float>() / (gGan.norm().item<float>() + 1e-4);
        Assert.Equal(expected, lambda.item<float>(), 4);
        Assert.False(lambda.requires_grad);
        Assert.True(expected > 0.01 && expected < 100, $"test setup should give a moderate ratio, got {expected}");
    }

    [Fact]
    public void Adaptive_weight_is_clamped_when_the_gan_gradient_vanishes()
    {
        Lab.Init(seed: 1);
        var last = nn.Linear(4, 3);
        var y = last.forward(randn(8, 4));
        var rec = (y - 10).pow(2).mean();
        var gan = (y * 0).mean();  // depends on the weight, zero gradient
        var lambda = GanLosses.AdaptiveWeight(rec, gan, last.weight!);
        Assert.Equal(GanLosses.MaxAdaptiveWeight, lambda.item<float>(), 1);
    }

    [Fact]
    public void Gan_terms_start_at_the_discriminator_start_step()
    {
        Assert.Equal(0.0, GanLosses.StartFactor(0, 100));
        Assert.Equal(0.0, GanLosses.StartFactor(99, 100));
        Assert.Equal(1.0, GanLosses.StartFactor(100, 100));
        Assert.Equal(1.0, GanLosses.StartFactor(5, 0));
    }

    [Fact]
    public void Feature_matching_is_zero_for_equal_features_and_only_moves_the_fake_side()
    {
        Lab.Init(seed: 2);
        var real = new[] { randn(2, 4, 8, 8, requires_grad: true), randn(2, 8, 4, 4, requires_grad: true) };
        Assert.Equal(0.0, GanLosses.FeatureMatching(real, real.Select(r => r.clone()).ToList()).item<float>(), 6);
        var fake = new[] { (real[0] + 1).detach().requires_grad_(), (real[1] - 3).detach().requires_grad_() };
        var fm = GanLosses.FeatureMatching(real, fake);
        Assert.Equal((1 + 3) / 2.0, fm.item<float>(), 4);
        fm.backward();
        Assert.Null(real[0].grad);
        Assert.NotNull(fake[0].grad);
    }

    [Fact]
    public void Patch_discriminator_gives_a_grid_of_logits_and_its_hidden_features()
    {
        Lab.Init(seed: 0);
        var d = new PatchDiscriminator(3, baseChannels: 16, layers: 3);
        var (logits, features) = d.Features(randn(2, 3, 32, 32));
        Assert.Equal(new long[] { 2, 1, 2, 2 }, logits.shape);   // 32 → 16 → 8 → 4 → 3 → 2
        Assert.Equal(4, features.Count);
        Assert.Equal(new long[] { 2, 16, 16, 16 }, features[0].shape);
        Assert.Equal(new long[] { 2, 128, 3, 3 }, features[3].shape);
        Assert.Throws<ArgumentException>(() => d.forward(randn(3, 32, 32)));
    }

    [Fact]
    public void Patch_discriminator_without_batch_norm_has_the_same_grid_and_no_normalisation()
    {
        Lab.Init(seed: 0);
        var plain = new PatchDiscriminator(3, baseChannels: 16, layers: 3, batchNorm: false);
        Assert.DoesNotContain(plain.modules(), m => m is TorchSharp.Modules.BatchNorm2d);
        Assert.Contains(new PatchDiscriminator(3, baseChannels: 16, layers: 3).modules(), m => m is TorchSharp.Modules.BatchNorm2d);
        var (logits, features) = plain.Features(randn(2, 3, 32, 32));
        Assert.Equal(new long[] { 2, 1, 2, 2 }, logits.shape);
        Assert.Equal(4, features.Count);
    }
}
