using AeLab.Models.Layers;
using AeLab.Runtime;
using static TorchSharp.torch;

namespace AeLab.Tests.Models.Layers;

public class LayoutLayersTests
{
    [Fact]
    public void TransposedConv2d_equals_libtorchs_layer_with_the_same_weights_and_names()
    {
        Lab.Init(seed: 4);
        using var ours = new TransposedConv2d(6, 3, 3, stride: 2, padding: 1, outputPadding: 1);
        Lab.Init(seed: 4);
        using var stock = nn.ConvTranspose2d(6, 3, 3, stride: 2, padding: 1, output_padding: 1);
        Assert.Equal(stock.state_dict().Keys.OrderBy(k => k), ours.state_dict().Keys.OrderBy(k => k));
        Assert.True(ours.Weight.eq(stock.weight!).all().item<bool>(), "libtorch's layer draws the initial values");
        using var x = randn(2, 6, 5, 5);
        using var a = ours.forward(x);
        using var b = stock.forward(x);
        Assert.Equal(new long[] { 2, 3, 10, 10 }, a.shape);
        Assert.True(a.allclose(b, rtol: 1e-5, atol: 1e-6));
    }

    [Theory]
    [InlineData(3, 1, 0, 0)]   // stride 1: computed as an ordinary convolution with the kernel mirrored
    [InlineData(3, 1, 1, 0)]
    [InlineData(3, 1, 2, 0)]
    [InlineData(1, 1, 0, 0)]
    [InlineData(3, 1, 3, 0)]   // padding beyond k − 1: libtorch's own kernel
    [InlineData(3, 2, 0, 0)]
    [InlineData(3, 2, 1, 1)]
    public void TransposedConv2d_gives_libtorchs_values_and_gradients(int kernel, int stride, int padding, int outputPadding)
    {
        Lab.Init(seed: 7);
        using var ours = new TransposedConv2d(5, 4, kernel, stride: stride, padding: padding, outputPadding: outputPadding);
        Lab.Init(seed: 7);
        using var stock = nn.ConvTranspose2d(5, 4, kernel, stride: stride, padding: padding, output_padding: outputPadding);
        using var x = randn(3, 5, 7, 7);
        var xa = x.detach().requires_grad_(true);
        var xb = x.detach().requires_grad_(true);
        using var a = ours.forward(xa);
        using var b = stock.forward(xb);
        Assert.Equal(b.shape, a.shape);
        Assert.True(a.allclose(b, rtol: 1e-5, atol: 1e-5), "values");
        using var g = randn_like(b);
        a.backward(new[] { g });
        b.backward(new[] { g });
        Assert.True(xa.grad!.allclose(xb.grad!, rtol: 1e-5, atol: 1e-5), "input gradient");
        Assert.True(ours.Weight.grad!.allclose(stock.weight!.grad!, rtol: 1e-4, atol: 1e-4), "weight gradient");
        Assert.True(ours.Bias.grad!.allclose(stock.bias!.grad!, rtol: 1e-4, atol: 1e-4), "bias gradient");
    }

    [Fact]
    public void A_strided_TransposedConv2d_without_output_padding_stays_float32_under_bfloat16_autocast_and_the_others_do_not()
    {
        if (!Autocast.Available) return;
        Lab.Init(seed: 5);
        using var strided = new TransposedConv2d(8, 4, 3, stride: 2);
        using var plain = new TransposedConv2d(8, 4, 3, padding: 1);
        using var padded = new TransposedConv2d(8, 4, 3, stride: 2, padding: 1, outputPadding: 1);
        using var x = randn(2, 8, 6, 6);
        using var expected = strided.forward(x);
        using (Autocast.BFloat16Scope())
        {
            using var y = strided.forward(x.to(bfloat16));   // a bfloat16 input, as the layer before would hand it
            Assert.Equal(ScalarType.Float32, y.dtype);
            Assert.True(y.allclose(expected, rtol: 2e-2, atol: 2e-2), "only the input's rounding to bfloat16 differs");
            using var z = plain.forward(x);
            Assert.Equal(ScalarType.BFloat16, z.dtype);
            using var w = padded.forward(x);
            Assert.Equal(ScalarType.BFloat16, w.dtype);
        }
    }

    [Fact]
    public void LayoutBatchNorm2d_equals_BatchNorm2d_on_channels_last_input_and_keeps_the_layout()
    {
        foreach (int c in new[] { 3, 16 })
        {
            Lab.Init(seed: 6);
            using var ours = new LayoutBatchNorm2d(c);
            using var stock = nn.BatchNorm2d(c);
            Assert.Equal(stock.state_dict().Keys.OrderBy(k => k), ours.state_dict().Keys.OrderBy(k => k));
            using var x = Layouts.ChannelsLast(randn(4, c, 9, 9) * 3 + 1);
            var xa = x.detach().requires_grad_(true);
            var xb = x.detach().requires_grad_(true);
            var a = ours.forward(xa);
            var b = stock.forward(xb);
            Assert.True(a.allclose(b, rtol: 1e-5, atol: 1e-5), $"C = {c}: same output");
            Assert.Equal(1, a.stride(1));    // still channels-last
            using var g = randn_like(a);
            a.backward(new[] { g }); b.backward(new[] { g });
            Assert.True(xa.grad!.allclose(xb.grad!, rtol: 1e-4, atol: 1e-5), $"C = {c}: same input gradient");
            Assert.True(ours.running_mean!.allclose(stock.running_mean!) && ours.running_var!.allclose(stock.running_var!), "running statistics updated alike");
            Assert.Equal(stock.num_batches_tracked!.item<long>(), ours.num_batches_tracked!.item<long>());
            ours.eval(); stock.eval();
            Assert.True(ours.forward(x).allclose(stock.forward(x), rtol: 1e-5, atol: 1e-5), $"C = {c}: same in eval mode");
        }
    }

    [Fact]
    public void LayoutBatchNorm2d_refuses_a_wrong_channel_count_by_name()
    {
        using var norm = new LayoutBatchNorm2d(3);
        var e = Assert.Throws<ArgumentException>(() => norm.forward(zeros(2, 4, 5, 5)));
        Assert.Contains("[N, 3, H, W]", e.Message);
    }
}
