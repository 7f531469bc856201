using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace AeLab.Data;

/// <summary>
/// A batched image transform: takes [N, C, H, W] floats in [0, 1] on any device and a random
/// generator (CPU; the few random parameters are drawn there, so results match across devices).
/// </summary>
public delegate Tensor BatchTransform(Tensor images, Generator rng);

/// <summary>
/// The seeds' torchvision pipeline as whole-batch tensor operations: resize, random horizontal flip,
/// random rotation, colour jitter, normalise. Each image in a batch gets its own random parameters.
/// </summary>
public static class Transforms
{
    /// <summary>Applies the transforms in order, freeing the intermediate tensors.</summary>
    public static BatchTransform Compose(params BatchTransform[] steps) => (x, rng) =>
    {
        using var scope = NewDisposeScope();
        var y = x;
        foreach (var step in steps) y = step(y, rng);
        return ReferenceEquals(y, x) ? y : y.MoveToOuterDisposeScope();
    };

    /// <summary>Resizes to size×size: antialiased bilinear when shrinking (like PIL/torchvision), bilinear when enlarging.</summary>
    public static BatchTransform Resize(int size) => (x, _) =>
        x.shape[2] == size && x.shape[3] == size ? x :
        F.interpolate(x, new long[] { size, size }, mode: InterpolationMode.Bilinear, align_corners: false,
            antialias: x.shape[2] > size || x.shape[3] > size).clamp_(0, 1);

    /// <summary>Mirrors each image left-right with probability p.</summary>
    public static BatchTransform RandomHorizontalFlip(double p = 0.5) => (x, rng) =>
    {
        using var flip = Draw(rng, x).lt(p).view(-1, 1, 1, 1);
        using var mirrored = x.flip(3);
        return where(flip, mirrored, x);
    };

    /// <summary>Rotates each image by a uniform angle in ±degrees about its centre; uncovered corners are filled with <paramref name="fill"/> (white).</summary>
    public static BatchTransform RandomRotation(double degrees = 10, float fill = 1f) => (x, rng) =>
    {
        using var scope = NewDisposeScope();
        var angle = Draw(rng, x).mul(2).sub(1).mul(degrees * Math.PI / 180);
        var (c, s) = (angle.cos(), angle.sin());
        var zero = zeros_like(c);
        var theta = stack([stack([c, s.neg(), zero], 1), stack([s, c, zero], 1)], 1); // [N, 2, 3]
        var grid = F.affine_grid(theta, x.shape, align_corners: false);
        // grid_sample pads with zeros: shift so that zero padding means `fill`.
        var rotated = F.grid_sample(x - fill, grid, mode: GridSampleMode.Bilinear, padding_mode: GridSamplePaddingMode.Zeros, align_corners: false) + fill;
        return rotated.MoveToOuterDisposeScope();
    };

    /// <summary>torchvision's ColorJitter (applied in the order brightness, contrast, saturation, hue): factors uniform in [1-b, 1+b] etc., hue shift in ±hue turns.</summary>
    public static BatchTransform ColorJitter(double brightness = 0.2, double contrast = 0.2, double saturation = 0.2, double hue = 0.1) => (x, rng) =>
    {
        if (x.shape[1] != 3 && (saturation > 0 || hue > 0))
            throw new ArgumentException($"ColorJitter with saturation/hue needs RGB images [N, 3, H, W]; got {x.shape[1]} channel(s). Use saturation: 0, hue: 0 for grey images.");
        using var scope = NewDisposeScope();
        var y = x;
        if (brightness > 0) y = (y * Factor(rng, y, brightness)).clamp(0, 1);
        if (contrast > 0)
        {
            var mean = Grey(y).mean([1, 2, 3], keepdim: true);
            y = Blend(y, mean, Factor(rng, y, contrast));
        }
        if (saturation > 0) y = Blend(y, Grey(y), Factor(rng, y, saturation));
        if (hue > 0) y = ShiftHue(y, Draw(rng, y).mul(2).sub(1).mul(hue).view(-1, 1, 1));
        return ReferenceEquals(y, x) ? y : y.MoveToOuterDisposeScope();
    };

    /// <summary>[0, 1] → [-1, 1] (the seeds' Normalize([0.5], [0.5])).</summary>
    public static BatchTransform NormalizeMinusOneToOne() => (x, _) => x.mul(2).sub(1);

    /// <summary>The seed's training augmentation at <paramref name="size"/>: resize, flip, ±10° rotation, colour jitter, then [-1, 1] when <paramref name="minusOneToOne"/>.</summary>
    public static BatchTransform Augment(int size, bool minusOneToOne = false) => minusOneToOne
        ? Compose(Resize(size), RandomHorizontalFlip(), RandomRotation(), ColorJitter(), NormalizeMinusOneToOne())
        : Compose(Resize(size), RandomHorizontalFlip(), RandomRotation(), ColorJitter());

    /// <summary>N uniform numbers in [0, 1) from the CPU generator, moved to x's device.</summary>
    static Tensor Draw(Generator rng, Tensor x) => rand(new long[] { x.shape[0] }, generator: rng).to(x.device);

    static Tensor Factor(Generator rng, Tensor x, double amount) =>
        Draw(rng, x).mul(2 * amount).add(1 - amount).view(-1, 1, 1, 1);

    static Tensor Blend(Tensor x, Tensor other, Tensor factor) => (factor * x + (1 - factor) * other).clamp(0, 1);

    static Tensor Grey(Tensor x) => x.shape[1] == 1 ? x :
        (0.2989 * x[.., 0..1] + 0.587 * x[.., 1..2] + 0.114 * x[.., 2..3]);

    /// <summary>RGB → HSV, hue += shift (mod 1), HSV → RGB; the same formulas as torchvision.</summary>
    static Tensor ShiftHue(Tensor x, Tensor shift)
    {
        var (r, g, b) = (x[.., 0], x[.., 1], x[.., 2]);
        var maxc = x.amax([1]);
        var minc = x.amin([1]);
        var eqc = maxc.eq(minc);
        var cr = maxc - minc;
        var ones = ones_like(maxc);
        var s = cr / where(eqc, ones, maxc);
        var crd = where(eqc, ones, cr);
        var rc = (maxc - r) / crd; var gc = (maxc - g) / crd; var bc = (maxc - b) / crd;
        var isR = maxc.eq(r); var isG = maxc.eq(g).logical_and(isR.logical_not());
        var isB = isR.logical_or(isG).logical_not();
        var h = isR * (bc - gc) + isG * (2.0 + rc - bc) + isB * (4.0 + gc - rc);
        h = (h / 6.0 + 1.0).fmod(1.0);
        h = (h + shift + 1.0).fmod(1.0);
        var v = maxc;

        var h6 = h * 6.0;
        var i = h6.floor();
        var f = h6 - i;
        var p = (v * (1.0 - s)).clamp(0, 1);
        var q = (v * (1.0 - s * f)).clamp(0, 1);
        var t = (v * (1.0 - s * (1.0 - f))).clamp(0, 1);
        var sector = i.to(ScalarType.Int64).remainder(6);
        var mask = sector.unsqueeze(1).eq(arange(6, device: x.device).view(1, 6, 1, 1)).to(x.dtype); // [N, 6, H, W]
        var a1 = stack([v, q, p, p, t, v], 1);
        var a2 = stack([t, v, v, q, p, p], 1);
        var a3 = stack([p, p, t, v, v, q], 1);
        var table = stack([a1, a2, a3], 1); // [N, 3, 6, H, W]
        return (table * mask.unsqueeze(1)).sum(2);
    }
}
