using AeLab.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Tests.Models;

public class ReliableConv2dTests
{
    [Theory]
    [InlineData(3, 3, 1, 1)]
    [InlineData(4, 4, 1, 1)]
    [InlineData(3, 32, 2, 0)]
    [InlineData(16, 16, 1, 1)]
    [InlineData(64, 8, 1, 1)]     // libtorch's float32 backward gave NaN here (measured), so 8 counts as few
    [InlineData(32, 1, 1, 1)]     // a decoder's last layer to one channel (grey images)
    [InlineData(32, 3, 1, 1)]     // ... to RGB
    [InlineData(16, 3, 2, 0)]
    public void Output_and_gradients_match_a_float64_convolution(int cin, int cout, int stride, int padding)
    {
        // Float64 convolutions take a different libtorch kernel than the float32 one that misbehaves.
        Lab.Init(seed: 0);
        using var layer = new ReliableConv2d(cin, cout, 3, stride, padding);
        for (int rep = 0; rep < 5; rep++)
        {
            using var _ = NewDisposeScope();
            layer.zero_grad();
            var x = randn(2, cin, 17, 17, requires_grad: true);
            var y = layer.forward(x);
            var g = randn_like(y);
            (y * g).sum().backward();

            var x64 = x.detach().to(float64).requires_grad_();
            var w64 = layer.Weight.detach().to(float64).requires_grad_();
            var y64 = nn.functional.conv2d(x64, w64, layer.Bias.detach().to(float64), new long[] { stride, stride }, new long[] { padding, padding });
            (y64 * g.to(float64)).sum().backward();

            Assert.True(y.to(float64).allclose(y64, 1e-4, 1e-4), "forward differs");
            Assert.True(x.grad!.to(float64).allclose(x64.grad!, 1e-4, 1e-4), $"input gradient differs by {(x.grad!.to(float64) - x64.grad!).abs().max().item<double>()}");
            Assert.True(layer.Weight.grad!.to(float64).allclose(w64.grad!, 1e-3, 1e-3), "weight gradient differs");
        }
    }
}
