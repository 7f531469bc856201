using AeLab.Models.Layers;
using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Models.PixelCnn;

/// <summary>
/// A k×k convolution whose kernel is masked so each output position sees only positions before it in
/// raster order (rows above; on its own row, columns to the left). Type A also hides the centre (the
/// position's own input): use it for the first layer, so logits at i never see token i. Type B keeps the
/// centre: for later layers, whose centre holds features already computed from positions before i.
/// <para>
/// The rows of the kernel below its centre are all masked, so the convolution runs with the kernel's top
/// ⌊k/2⌋ + 1 rows only, on the input padded above and at the sides but not below: the same output as the full
/// masked k×k kernel with symmetric padding, for a little over half the multiply-adds (28 of 49 taps at 7×7, 6 of 9
/// at 3×3). The same cut makes each output row depend on input rows up to its own only, which
/// <see cref="PixelCnnPrior.Sample(int, double)"/> uses to feed only the rows drawn so far.
/// </para>
/// </summary>
public sealed class MaskedConv2d : nn.Module<Tensor, Tensor>
{
    readonly Parameter weight; // [out, in, k, k]
    readonly Parameter bias;
    readonly Tensor mask;      // [1, 1, k, k]
    readonly int padding;

    public bool TypeA { get; }

    /// <summary>k, the kernel's width and height.</summary>
    public int KernelSize => 2 * padding + 1;

    public MaskedConv2d(int inChannels, int outChannels, int kernelSize, bool typeA) : base(nameof(MaskedConv2d))
    {
        if (kernelSize < 1 || kernelSize % 2 == 0)
            throw new ArgumentOutOfRangeException(nameof(kernelSize), kernelSize, "kernelSize must be odd (the mask is centred).");
        using var reference = nn.Conv2d(inChannels, outChannels, kernelSize, padding: kernelSize / 2);
        weight = new Parameter(reference.weight!.detach().clone());
        bias = new Parameter(reference.bias!.detach().clone());
        padding = kernelSize / 2;
        TypeA = typeA;
        mask = Mask(kernelSize, typeA);
        RegisterComponents();
    }

    /// <summary>The k×k mask: 1 above the centre row, 1 left of the centre on its row, the centre only for type B.</summary>
    public static Tensor Mask(int kernelSize, bool typeA)
    {
        int c = kernelSize / 2;
        var m = zeros(1, 1, kernelSize, kernelSize);
        m[.., .., ..c, ..] = 1;
        m[.., .., c, ..(typeA ? c : c + 1)] = 1;
        return m;
    }

    public override Tensor forward(Tensor x)
    {
        using var masked = weight * mask;
        using var upper = masked.narrow(2, 0, padding + 1);                                        // rows above and the centre row
        using var padded = nn.functional.pad(x, new long[] { padding, padding, padding, 0 });      // left, right, top, bottom
        return nn.functional.conv2d(padded, upper, bias);
    }

    /// <summary>
    /// One output row from the ⌊k/2⌋ + 1 input rows that reach it, [B, in, ⌊k/2⌋ + 1, W] (the rows above it and its own;
    /// zeros above the map) → [B, out, 1, W]: the row <see cref="forward"/> gives there.
    /// </summary>
    public Tensor ForwardRow(Tensor rows)
    {
        if (rows.dim() != 4 || rows.shape[2] != padding + 1)
            throw new ArgumentException($"MaskedConv2d.ForwardRow expects the {padding + 1} input rows that reach one output row, " +
                                        $"[B, C, {padding + 1}, W]; got [{string.Join(", ", rows.shape)}].", nameof(rows));
        using var masked = weight * mask;
        using var upper = masked.narrow(2, 0, padding + 1);
        using var padded = nn.functional.pad(rows, new long[] { padding, padding, 0, 0 });
        return nn.functional.conv2d(padded, upper, bias);
    }
}
