using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AeLab.Models;

/// <summary>
/// A transposed 2-D convolution (same weights, shapes and initialisation as <c>nn.ConvTranspose2d</c>),
/// computed as an ordinary convolution: insert stride−1 zeros between input pixels, pad by k−1−p, and
/// convolve with the kernel flipped and its in/out axes swapped.
/// Why: libtorch 2.10's CPU ConvTranspose2d intermittently returns NaN when run on several threads
/// (seen on 3-channel 79×79 maps) and wrong values at stride 1; the convolution path (through
/// <see cref="ReliableConv2d.Conv"/>) is exact.
/// </summary>
public sealed class TransposedConv2d : nn.Module<Tensor, Tensor>
{
    readonly Parameter weight; // [in, out, k, k], the ConvTranspose2d layout
    readonly Parameter bias;
    readonly int stride, padding, kernel;

    public TransposedConv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0)
        : base(nameof(TransposedConv2d))
    {
        if (padding > kernelSize - 1) throw new ArgumentOutOfRangeException(nameof(padding), padding, $"padding must be at most kernelSize - 1 = {kernelSize - 1}.");
        if (stride < 1) throw new ArgumentOutOfRangeException(nameof(stride), stride, "stride must be at least 1.");
        // Borrow ConvTranspose2d's initialisation so the model starts exactly as with the stock layer.
        using var reference = nn.ConvTranspose2d(inChannels, outChannels, kernelSize, stride: stride, padding: padding);
        weight = new Parameter(reference.weight!.detach().clone());
        bias = new Parameter(reference.bias!.detach().clone());
        this.stride = stride; this.padding = padding; kernel = kernelSize;
        RegisterComponents();
    }

    public Parameter Weight => weight;
    public Parameter Bias => bias;

    public override Tensor forward(Tensor x)
    {
        if (stride > 1)
        {
            // [B,C,H,W] → [B,C,(H-1)s+1,(W-1)s+1] with the input on every s-th pixel and zeros between.
            long b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
            var spread = zeros(new long[] { b, c, h, stride, w, stride }, dtype: x.dtype, device: x.device);
            spread[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Colon, 0, TensorIndex.Colon, 0] = x;
            x = spread.reshape(b, c, h * stride, w * stride)[.., .., ..((int)((h - 1) * stride + 1)), ..((int)((w - 1) * stride + 1))];
        }
        var k = weight.transpose(0, 1).flip(2, 3);
        return ReliableConv2d.Conv(x, k, bias, 1, kernel - 1 - padding);
    }
}
