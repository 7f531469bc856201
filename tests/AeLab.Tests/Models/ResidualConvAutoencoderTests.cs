using AeLab.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AeLab.Tests.Models;

public class ResidualConvAutoencoderTests
{
    [Fact]
    public void Blocks_halve_in_the_encoder_and_double_in_the_decoder()
    {
        Lab.Init(seed: 0);
        using var enc = new ResidualBlock(3, 8, encoder: true, convsPerSide: 1);
        using var dec = new ResidualBlock(8, 3, encoder: false, convsPerSide: 1);
        using var x = rand(2, 3, 64, 64);
        using var h = enc.forward(x);
        Assert.Equal(new long[] { 2, 8, 31, 31 }, h.shape);
        using var y = dec.forward(rand(2, 8, 4, 4));
        Assert.Equal(new long[] { 2, 3, 9, 9 }, y.shape);
    }

    [Fact]
    public void Course_model_maps_64px_images_to_128_codes_and_back()
    {
        Lab.Init(seed: 0);
        using var m = new ResidualConvAutoencoder();
        m.eval();
        using var x = rand(2, 3, 64, 64);
        using var z = m.Encode(x);
        Assert.Equal(new long[] { 2, 128 }, z.shape);
        using var r = m.Decode(z);
        Assert.Equal(x.shape, r.shape);
        Assert.True(r.min().item<float>() >= 0 && r.max().item<float>() <= 1);
        Assert.Equal(new long[] { 3, 3, 64, 64 }, m.Sample(3).shape);
        // The seed's encoder ends in Linear(2304, 128): 256 channels × 3 × 3.
        Assert.Equal(new long[] { 128, 2304 }, m.Encoder.parameters().Last(p => p.dim() == 2).shape);
        Assert.Throws<ArgumentException>(() => m.Encode(rand(1, 3, 32, 32)));
    }

    [Fact]
    public void Row_norm_gives_each_sample_zero_mean_unit_variance()
    {
        Lab.Init(seed: 0);
        using var n = new RowNorm();
        using var y = n.forward(randn(3, 100) * 5 + 2);
        Assert.True(y.mean(new long[] { 1 }).abs().max().item<float>() < 1e-4);
        Assert.True((y.var(1, unbiased: false) - 1).abs().max().item<float>() < 1e-3);
    }

    static (double First, double Last) Train(ResidualConvAutoencoder m, IEnumerable<Parameter> parameters, Tensor x, int steps)
    {
        var opt = optim.Adam(parameters, 2e-3);
        double first = 0, last = 0;
        m.train();
        for (int i = 0; i < steps; i++)
        {
            using var _ = NewDisposeScope();
            opt.zero_grad();
            var loss = m.Loss(x).Loss;
            loss.backward();
            opt.step();
            if (i == 0) first = loss.item<float>();
            last = loss.item<float>();
        }
        return (first, last);
    }

    [Fact]
    public void Loss_decreases_on_a_tiny_batch()
    {
        Lab.Init(seed: 0);
        using var m = new ResidualConvAutoencoder(latentSize: 16, width: 32, convsPerSide: 1);
        using var x = rand(4, 3, 64, 64);
        var (first, last) = Train(m, m.parameters(), x, 15);
        Assert.True(double.IsFinite(last) && last < 0.8 * first, $"mse {first} -> {last}");
    }

    [Fact]
    public void Optimizer_over_decoder_parameters_only_leaves_the_encoder_unchanged()
    {
        // The course's pitfall: Adam(decoder.parameters()) — the encoder keeps its random initial weights.
        Lab.Init(seed: 0);
        using var m = new ResidualConvAutoencoder(latentSize: 16, width: 32, convsPerSide: 1);
        using var x = rand(4, 3, 64, 64);
        var enc = m.Encoder.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        var dec = m.DecoderNet.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        Train(m, m.DecoderParameters(), x, 5);
        foreach (var (name, p) in m.Encoder.named_parameters()) Assert.True(p.equal(enc[name]).all().item<bool>(), $"encoder {name} changed");
        Assert.Contains(m.DecoderNet.named_parameters(), p => !p.parameter.equal(dec[p.name]).all().item<bool>());
    }
}
