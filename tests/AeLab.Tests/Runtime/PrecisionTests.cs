using AeLab.Data;
using AeLab.Models.Quantization;
using AeLab.Runtime;
using AeLab.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Tests.Runtime;

/// <summary>bfloat16 autocast for training steps: the scope's arithmetic, what stays float32, and the switch.</summary>
public class PrecisionTests
{
    static bool Skip => !OperatingSystem.IsLinux() || !Autocast.Available;

    [Fact]
    public void A_scope_runs_linear_layers_in_bfloat16_and_leaves_float32_behind_it()
    {
        Lab.Init();
        if (Skip) return;
        using var layer = nn.Linear(8, 4);
        using var x = randn(3, 8);
        Assert.False(Autocast.Enabled);
        using (Autocast.BFloat16Scope())
        {
            Assert.True(Autocast.Enabled);
            using var y = layer.forward(x);
            Assert.Equal(ScalarType.BFloat16, y.dtype);
            using (Autocast.Float32Scope())
            {
                using var z = layer.forward(x);
                Assert.Equal(ScalarType.Float32, z.dtype);
            }
            Assert.True(Autocast.Enabled);
        }
        Assert.False(Autocast.Enabled);
        using var w = layer.forward(x);
        Assert.Equal(ScalarType.Float32, w.dtype);
    }

    [Fact]
    public void Leaving_a_scope_drops_the_cached_bfloat16_weights_so_the_next_step_sees_the_update()
    {
        Lab.Init();
        if (Skip) return;
        using var layer = nn.Linear(4, 2);
        using var x = ones(1, 4);
        float before, after;
        using (Autocast.BFloat16Scope()) before = layer.forward(x).sum().to(float32).item<float>();
        using (no_grad()) foreach (var p in layer.parameters()) p.add_(1.0);
        using (Autocast.BFloat16Scope()) after = layer.forward(x).sum().to(float32).item<float>();
        // 2 outputs × (4 inputs + bias) more by one each: +10, up to bfloat16's rounding.
        Assert.InRange(after - before, 9.8, 10.2);
    }

    [Fact]
    public void Quantisers_search_codes_in_float32_inside_a_bfloat16_scope()
    {
        Lab.Init(seed: 3);
        if (Skip) return;
        using var vq = new VectorQuantizer(16, 4);
        using var z = randn(2, 4, 3, 3).to(bfloat16);
        using var plain = vq.forward(z.to(float32)).Indices;
        using (Autocast.BFloat16Scope())
        {
            var o = vq.forward(z);
            Assert.Equal(ScalarType.Float32, o.Quantized.dtype);
            Assert.True(o.Indices.eq(plain).all().item<bool>(), "the same codes as a float32 search of the same values");
        }
        using var fsq = new FiniteScalarQuantizer(new[] { 8, 5, 5 }, dim: 4);
        using (Autocast.BFloat16Scope())
            Assert.Equal(ScalarType.Float32, fsq.forward(z).Quantized.dtype);
    }

    [Fact]
    public void Training_in_bfloat16_lowers_the_loss_and_evaluation_stays_float32()
    {
        Lab.Init(seed: 5);
        if (Skip) return;
        Lab.Seed(5);
        using var model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 16));
        using var data = randn(256, 16);
        var batches = Enumerable.Range(0, 8).Select(i => new Batch(data.narrow(0, 32 * i, 32))).ToList();
        Func<Batch, AeLab.Core.LossOutput> loss = b => new(nn.functional.mse_loss(model.forward(b.X).to(float32), b.X));
        using var opt = optim.Adam(model.parameters(), 1e-2);
        var trainer = new Trainer(model, opt, loss) { Quiet = true, Validation = batches };
        trainer.TrainingPrecision = TrainingPrecision.BFloat16;
        var result = trainer.Fit(batches, 20);
        Assert.True(result.History[^1].Metrics["val_loss"] < 0.5 * result.History[0].Metrics["val_loss"],
            $"val loss {result.History[0].Metrics["val_loss"]:G4} → {result.History[^1].Metrics["val_loss"]:G4}");
        double float32Figure;
        using (no_grad()) float32Figure = batches.Average(b => nn.functional.mse_loss(model.forward(b.X), b.X).item<float>());
        Assert.Equal(float32Figure, trainer.Evaluate()["val_loss"], 6);
        Assert.False(Autocast.Enabled);
    }

    [Theory]
    [InlineData("float32", TrainingPrecision.Float32)]
    [InlineData(" FP32 ", TrainingPrecision.Float32)]
    [InlineData("bfloat16", TrainingPrecision.BFloat16)]
    [InlineData("bf16", TrainingPrecision.BFloat16)]
    public void The_switch_reads_both_names_of_each_precision(string text, TrainingPrecision expected)
    {
        Lab.Init();
        if (Skip) return;
        Assert.Equal(expected, Precision.Parse(text));
    }

    [Fact]
    public void Auto_follows_the_cpu_and_a_wrong_value_is_refused_with_the_choices()
    {
        Lab.Init();
        var auto = Precision.NativeBFloat16 ? TrainingPrecision.BFloat16 : TrainingPrecision.Float32;
        Assert.Equal(auto, Precision.Parse(null));
        Assert.Equal(auto, Precision.Parse("auto"));
        var e = Assert.Throws<ArgumentException>(() => Precision.Parse("half"));
        Assert.Contains(Precision.Variable, e.Message);
        Assert.Contains("float32, bfloat16 or auto", e.Message);
    }
}
