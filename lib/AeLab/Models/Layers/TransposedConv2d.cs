using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AeLab.Models.Layers;

/// <summary>
/// A transposed 2-D convolution (same weights, shapes and initialisation as <c>nn.ConvTranspose2d</c>),
/// computed without libtorch's own kernel: at stride 1 as an ordinary convolution with the kernel flipped and
/// its in/out axes swapped, padded by k−1−p; strided, as a matrix product followed by fold (col2im), which
/// scatters each input pixel's kernel into the output (the same sum as convolving the input spread out with
/// stride−1 zeros between pixels, without multiplying those zeros).
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
        if (stride > 1) return Scatter(x);
        var k = weight.transpose(0, 1).flip(2, 3);
        return ReliableConv2d.Conv(x, k, bias, 1, kernel - 1 - padding);
    }

    /// <summary>
    /// Strided case in its scatter form: every input pixel adds its k×k kernel to the output at stride s,
    /// i.e. y = col2im(Wᵀ·x) — a matrix product then fold. Same result as convolving the zero-spread input,
    /// without the s² times larger zero-filled map and its wasted multiplications; fold's gradient is
    /// unfold, so only matmul, fold and unfold run, all exact.
    /// </summary>
    Tensor Scatter(Tensor x)
    {
        long b = x.shape[0], cin = x.shape[1], h = x.shape[2], w = x.shape[3], cout = weight.shape[1];
        long oh = (h - 1) * stride - 2 * padding + kernel, ow = (w - 1) * stride - 2 * padding + kernel;
        using var wt = weight.reshape(cin, cout * kernel * kernel).t();           // [out·k·k, in]
        using var cols = wt.matmul(x.reshape(b, cin, h * w));                     // [b, out·k·k, h·w]
        using var y = nn.functional.fold(cols, (oh, ow), (kernel, kernel), padding: (padding, padding), stride: (stride, stride));
        return y + bias.reshape(1, cout, 1, 1);
    }
}
