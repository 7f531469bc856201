using AeLab.Training;
using AeLab.Data;
using AeLab.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Tests.Models;

public class VariantTests
{
    [Fact]
    public void Denoising_loss_sees_noisy_inputs_but_clean_targets()
    {
        Lab.Init(seed: 0);
        using var x = full(new long[] { 64, 1, 28, 28 }, 0.5f);
        using var noisy = DenoisingAutoencoder.AddNoise(x, 0.3);
        var std = (noisy - x).std().item<float>();
        Assert.InRange(std, 0.28, 0.32);

        // With σ = 0 the denoising loss is exactly the plain loss of the inner model.
        using var plain = new DenoisingAutoencoder(0);
        Assert.Equal(plain.Inner.Loss(x).Loss.item<float>(), plain.Loss(x).Loss.item<float>(), 5);
        using var dae = new DenoisingAutoencoder(0.5);
        Assert.NotEqual(dae.Inner.Loss(x).Loss.item<float>(), dae.Loss(x).Loss.item<float>());
    }

    [Fact]
    public void Adversarial_step_trains_all_three_parts()
    {
        Lab.Init(seed: 0);
        using var m = new AdversarialAutoencoder(latentSize: 2, hidden: new[] { 32 }, discriminatorHidden: 16);
        using var x = rand(32, 1, 28, 28);
        var before = m.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var step = m.CreateStep();
        var first = step.Run(x).Loss.item<float>();
        for (int i = 0; i < 40; i++) step.Run(x);
        var last = step.Run(x).Loss.item<float>();
        Assert.True(last < first, $"{first} -> {last}");
        foreach (var (k, v) in m.state_dict())
            Assert.False(v.equal(before[k]).all().item<bool>(), $"{k} did not change");
        using var s = m.Sample(5);
        Assert.Equal(new long[] { 5, 1, 28, 28 }, s.shape);
        Assert.Equal(new long[] { 5, 2 }, m.Prior(5).shape);
    }

    [Fact]
    public void Adversarial_fit_reports_the_three_losses_per_epoch()
    {
        Lab.Init(seed: 0);
        using var m = new AdversarialAutoencoder(latentSize: 2, hidden: new[] { 16 }, discriminatorHidden: 8);
        var batches = Enumerable.Range(0, 2).Select(_ => new Batch(rand(8, 1, 28, 28))).ToList();
        var r = new Trainer(m, m.CreateStep()) { Quiet = true }.Fit(batches.Select(b => new Batch(b.X.clone())), epochs: 2);
        Assert.Equal(2, r.Epochs);
        foreach (var k in new[] { "loss", "d_loss", "g_loss" }) Assert.True(double.IsFinite(r.Last![k]));
    }
}
