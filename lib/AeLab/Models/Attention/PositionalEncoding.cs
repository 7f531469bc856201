using static TorchSharp.torch;

namespace AeLab.Models.Attention;

/// <summary>
/// The sinusoidal positional encoding of "Attention Is All You Need":
/// PE(p, 2i) = sin(p / 10000^{2i/d}), PE(p, 2i+1) = cos(p / 10000^{2i/d}).
/// Attention itself ignores order; adding these gives each position a unique pattern, and
/// PE(p + k) is a fixed rotation of PE(p), so relative offsets are easy to read off.
/// </summary>
public static class PositionalEncoding
{
    /// <summary>The table [length, dim] (float32).</summary>
    public static Tensor Sinusoidal(long length, long dim, double @base = 10000)
    {
        if (length < 1) throw new ArgumentOutOfRangeException(nameof(length), length, "length must be at least 1.");
        if (dim < 2 || dim % 2 != 0) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be even and at least 2 (sin and cos pairs).");
        if (@base <= 1) throw new ArgumentOutOfRangeException(nameof(@base), @base, "base must be greater than 1 (10000 in the paper).");
        var position = arange(length, dtype: float64).unsqueeze(1);                            // [L, 1]
        var frequency = exp(arange(0, dim, 2, dtype: float64) * (-Math.Log(@base) / dim));      // [dim/2]
        var angle = position * frequency;                                                       // [L, dim/2]
        // Interleave: even columns sin, odd columns cos.
        return stack(new[] { angle.sin(), angle.cos() }, 2).view(length, dim).to(float32);
    }
}
