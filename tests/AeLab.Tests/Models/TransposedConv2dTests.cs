using AeLab.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Tests.Models;

public class TransposedConv2dTests
{
    [Theory]
    [InlineData(2, 0)]
    [InlineData(2, 1)]
    public void Matches_ConvTranspose2d_with_the_same_weights(int stride, int padding)
    {
        Lab.Init(seed: 0);
        using var mine = new TransposedConv2d(4, 3, 3, stride, padding);
        using var stock = nn.ConvTranspose2d(4, 3, 3, stride: stride, padding: padding);
        using (no_grad())
        {
            stock.weight!.copy_(mine.Weight);
            stock.bias!.copy_(mine.Bias);
        }
        using var x = randn(2, 4, 9, 9);
        using var a = mine.forward(x);
        using var b = stock.forward(x);
        Assert.Equal(b.shape, a.shape);
        Assert.True(a.allclose(b, rtol: 1e-4, atol: 1e-5), $"max diff {(a - b).abs().max().item<float>()}");
    }

    [Fact]
    public void Stride_one_equals_a_padded_convolution_with_the_flipped_kernel()
    {
        // The identity the layer relies on; checked against conv2d because libtorch's own CPU
        // ConvTranspose2d disagreed with it here (stride 1, padding 1).
        Lab.Init(seed: 0);
        using var t = new TransposedConv2d(2, 3, 3, 1, 1);
        using var x = randn(1, 2, 5, 5);
        using var y = t.forward(x);
        // Scatter definition: y[o, i+a-1, j+b-1] += w[c, o, a, b] x[c, i, j], then the bias.
        var w = t.Weight.detach(); var bias = t.Bias.detach();
        var expected = new float[3, 5, 5];
        for (int o = 0; o < 3; o++) for (int i = 0; i < 5; i++) for (int j = 0; j < 5; j++) expected[o, i, j] = bias[o].item<float>();
        for (int c = 0; c < 2; c++) for (int o = 0; o < 3; o++) for (int i = 0; i < 5; i++) for (int j = 0; j < 5; j++)
            for (int a = 0; a < 3; a++) for (int b = 0; b < 3; b++)
            {
                int r = i + a - 1, q = j + b - 1;
                if (r is >= 0 and < 5 && q is >= 0 and < 5) expected[o, r, q] += w[c, o, a, b].item<float>() * x[0, c, i, j].item<float>();
            }
        for (int o = 0; o < 3; o++) for (int i = 0; i < 5; i++) for (int j = 0; j < 5; j++)
            Assert.Equal(expected[o, i, j], y[0, o, i, j].item<float>(), 4);
    }

    [Fact]
    public void Never_returns_NaN_on_the_decoder_shapes()
    {
        Lab.Init(seed: 0);
        using var t = new TransposedConv2d(3, 3, 3, 1, 1);
        for (int i = 0; i < 60; i++)
        {
            using var _ = NewDisposeScope();
            Assert.False(t.forward(randn(4, 3, 79, 79)).isnan().any().item<bool>(), $"NaN at repetition {i}");
        }
    }
}
