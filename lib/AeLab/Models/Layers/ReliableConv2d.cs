using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AeLab.Models.Layers;

/// <summary>
/// A 2-D convolution layer (same weights, shapes and initialisation as <c>nn.Conv2d</c>) that computes
/// convolutions with few channels without libtorch's convolution kernel: im2col + matrix product for few inputs,
/// a sum of shifted channel products for few outputs.
/// Why: on the course's CPU machines libtorch 2.10's float32 Conv2d backward returns wrong input gradients,
/// intermittently, for layers with few channels (3→3 and 4→4 at stride 1 were caught, and 64→8, 32→3 and 32→1
/// at 28 px measured 0.5–0.9 relative error or NaN against float64; 16→16, 32→16 and 32→32 were right),
/// which made the residual autoencoder's loss turn NaN. im2col uses only unfold and matmul, whose
/// gradients are right; wide layers keep libtorch's fast kernel.
/// </summary>
public sealed class ReliableConv2d : nn.Module<Tensor, Tensor>
{
    readonly Parameter weight; // [out, in, k, k]
    readonly Parameter bias;
    readonly int stride, padding;

    public ReliableConv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0)
        : base(nameof(ReliableConv2d))
    {
        using var reference = nn.Conv2d(inChannels, outChannels, kernelSize, stride: stride, padding: padding);
        weight = new Parameter(reference.weight!.detach().clone());
        bias = new Parameter(reference.bias!.detach().clone());
        this.stride = stride; this.padding = padding;
        RegisterComponents();
    }

    public Parameter Weight => weight;
    public Parameter Bias => bias;

    public override Tensor forward(Tensor x) => Conv(x, weight, bias, stride, padding);

    /// <summary>conv2d(x, w, b) with w [out, in, k, k]; the fallbacks when in or out has fewer than <see cref="ConvChannels.Wide"/> channels.</summary>
    public static Tensor Conv(Tensor x, Tensor w, Tensor? b, int stride, int padding)
    {
        long cout = w.shape[0], cin = w.shape[1], k = w.shape[2];
        if (Math.Min(cin, cout) >= ConvChannels.Wide)
            return nn.functional.conv2d(x, w, b, new long[] { stride, stride }, new long[] { padding, padding });
        if (cout < ConvChannels.Wide && cin >= ConvChannels.Wide) return ShiftedSum(x, w, b, stride, padding);
        long n = x.shape[0];
        long oh = (x.shape[2] + 2 * padding - k) / stride + 1, ow = (x.shape[3] + 2 * padding - k) / stride + 1;
        var cols = nn.functional.unfold(x, k, padding: padding, stride: stride);            // [n, in·k·k, oh·ow]
        var y = w.reshape(cout, cin * k * k).matmul(cols).reshape(n, cout, oh, ow);
        return b is null ? y : y + b.reshape(1, cout, 1, 1);
    }

    // Few outputs from many inputs (a decoder's last 32 → 3 layer): im2col would build a [n, in·k·k, h·w] matrix
    // and fold it back in the backward pass (2 s of a 3 s VQ-VAE step at 28 px). Instead, the sum over the k·k
    // kernel taps of a channel product of the shifted input: only pad, strided slices and matmul, whose
    // gradients are right, over the input k·k times.
    static Tensor ShiftedSum(Tensor x, Tensor w, Tensor? b, int stride, int padding)
    {
        long cout = w.shape[0], k = w.shape[2];
        using var scope = NewDisposeScope();
        var xp = padding > 0 ? nn.functional.pad(x, new long[] { padding, padding, padding, padding }) : x;
        long oh = (xp.shape[2] - k) / stride + 1, ow = (xp.shape[3] - k) / stride + 1;
        var rows = xp.permute(0, 2, 3, 1);                                                   // [n, H, W, in]
        Tensor? y = null;
        for (long dy = 0; dy < k; dy++)
            for (long dx = 0; dx < k; dx++)
            {
                var tap = rows.slice(1, dy, dy + stride * (oh - 1) + 1, stride).slice(2, dx, dx + stride * (ow - 1) + 1, stride);
                var term = tap.matmul(w[.., .., dy, dx].t());                                // [n, oh, ow, out]
                y = y is null ? term : y + term;
            }
        var output = y!.permute(0, 3, 1, 2);
        if (b is not null) output = output + b.reshape(1, cout, 1, 1);
        return output.contiguous().MoveToOuterDisposeScope();
    }
}
