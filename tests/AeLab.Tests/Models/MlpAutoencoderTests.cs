using AeLab.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Tests.Models;

public class MlpAutoencoderTests
{
    [Fact]
    public void Shapes_follow_the_course_sizes()
    {
        Lab.Init(seed: 0);
        using var m = new MlpAutoencoder();
        using var x = rand(5, 1, 28, 28);
        using var z = m.Encode(x);
        using var r = m.forward(x);
        using var s = m.Sample(3);
        Assert.Equal(new long[] { 5, 20 }, z.shape);
        Assert.Equal(x.shape, r.shape);
        Assert.Equal(new long[] { 3, 1, 28, 28 }, s.shape);
        Assert.True(r.min().item<float>() >= 0 && r.max().item<float>() <= 1);
        // 784·256+256 + 256·128+128 + 128·20+20, mirrored: the seed's 784-256-128-20 network.
        long expected = 2 * (784 * 256 + 256 * 128 + 128 * 20) + (256 + 128 + 20) + (128 + 256 + 784);
        Assert.Equal(expected, m.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Loss_decreases_on_a_tiny_batch()
    {
        Lab.Init(seed: 0);
        using var m = new MlpAutoencoder(latentSize: 8, hidden: new[] { 64 });
        using var x = rand(16, 1, 28, 28);
        var opt = optim.Adam(m.parameters(), 1e-2);
        float first = 0, last = 0;
        for (int i = 0; i < 60; i++)
        {
            using var _ = NewDisposeScope();
            opt.zero_grad();
            var loss = m.Loss(x);
            loss.Loss.backward();
            opt.step();
            if (i == 0) first = loss.Metrics["mse"].item<float>();
            last = loss.Metrics["mse"].item<float>();
        }
        Assert.True(last < 0.6 * first, $"mse {first} -> {last}");
    }

    [Fact]
    public void Bce_from_logits_matches_the_definition_and_stays_finite()
    {
        Lab.Init(seed: 0);
        using var logits = tensor(new float[] { -200f, -1f, 0f, 3f, 200f }).reshape(1, 5);
        using var target = tensor(new float[] { 1f, 0f, 0.5f, 1f, 0f }).reshape(1, 5);
        var bce = Reconstruction.FromLogits(logits, target, ReconstructionLoss.BceWithLogits).Loss.item<float>();
        // z·softplus(-x) + (1-z)·softplus(x), averaged: 200, 0.3133, 0.6931, 0.0486, 200
        double expected = (200 + Math.Log(1 + Math.Exp(-1)) + Math.Log(2) + Math.Log(1 + Math.Exp(-3)) + 200) / 5;
        Assert.Equal(expected, bce, 3);
    }

    [Fact]
    public void Dropout_is_active_only_in_training_mode()
    {
        Lab.Init(seed: 0);
        using var m = new DropoutAutoencoder(0.5);
        using var x = rand(4, 1, 28, 28);
        m.eval();
        using var a = m.forward(x);
        using var b = m.forward(x);
        Assert.True(a.allclose(b));
        m.train();
        using var c = m.forward(x);
        using var d = m.forward(x);
        Assert.False(c.allclose(d));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DropoutAutoencoder(0));
    }

    [Fact]
    public void Bad_image_shape_is_rejected_with_the_argument_named()
    {
        var e = Assert.Throws<ArgumentException>(() => new MlpAutoencoder(new long[] { 1, 0, 28 }));
        Assert.Equal("imageShape", e.ParamName);
    }
}
