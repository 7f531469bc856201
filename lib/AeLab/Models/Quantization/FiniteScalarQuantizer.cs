using AeLab.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AeLab.Models.Quantization;

/// <summary>
/// Finite scalar quantisation (Mentzer et al. 2023, "Finite Scalar Quantization: VQ-VAE Made Simple",
/// arXiv 2309.15505): no codebook to learn. Each of d channels is bounded to a few levels — channel i to L_i values —
/// and rounded, with the straight-through estimator; the codes are the grid of all combinations, an implicit codebook of
/// ∏ L_i entries (levels 8, 5, 5, 5: 1 000 codes). Nothing can collapse, and there are no codebook or commitment losses.
/// </summary>
/// <remarks>
/// <para>Bound: f(z) = tanh(z + s)·h − o with h = (L − 1)(1 + ε)/2, o = ½ for even L (0 for odd) and s = atanh(o / h), so
/// round(f(z)) takes exactly L integer values; divided by ⌊L/2⌋ they lie in [−1, 1]. As in the paper's reference code
/// and lucidrains/vector-quantize-pytorch's FSQ.</para>
/// <para>A code's index is its mixed-radix number: Σ_i (level index_i) · ∏_{j&lt;i} L_j. When the feature map has more
/// channels than levels (<paramref name="dim"/> &gt; levels), 1×1 projections map in and out, as in the reference.</para>
/// </remarks>
public sealed class FiniteScalarQuantizer : nn.Module<Tensor, QuantizerOutput>, IQuantizer
{
    const double Eps = 1e-3;
    readonly Linear? projectIn, projectOut;
    readonly long[] _levels, _basis;

    /// <summary>The levels per channel, e.g. [8, 5, 5, 5].</summary>
    public IReadOnlyList<long> Levels => _levels;

    public int CodebookSize { get; }
    public int Dim { get; }

    /// <summary>The implicit codebook [K, Dim]: every grid point, in index order (projected out when projections exist).</summary>
    public Tensor Codebook => Lookup(arange(CodebookSize, device: this.DeviceOf()).view(1, CodebookSize, 1)).squeeze(3).squeeze(0).t();

    /// <param name="levels">Levels per quantised channel, each at least 3 (two levels need the symmetric variant of the
    /// follow-up paper, not implemented here).</param>
    /// <param name="dim">Channels of the feature map; defaults to the number of levels (no projection).</param>
    public FiniteScalarQuantizer(int[] levels, int? dim = null) : base(nameof(FiniteScalarQuantizer))
    {
        ArgumentNullException.ThrowIfNull(levels);
        if (levels.Length == 0) throw new ArgumentException("levels: give at least one channel's levels, e.g. [8, 5, 5, 5].", nameof(levels));
        if (levels.Any(l => l < 3))
            throw new ArgumentOutOfRangeException(nameof(levels), $"[{string.Join(", ", levels)}]", "every level must be at least 3 (e.g. 8, 5, 5, 5).");
        _levels = levels.Select(l => (long)l).ToArray();
        _basis = new long[levels.Length];
        long product = 1;
        for (int i = 0; i < levels.Length; i++) { _basis[i] = product; product *= levels[i]; }
        if (product > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(levels), "the levels' product (the number of codes) must fit an int.");
        CodebookSize = (int)product;
        Dim = dim ?? levels.Length;
        if (Dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be at least 1.");
        if (Dim != levels.Length)
        {
            projectIn = nn.Linear(Dim, levels.Length);
            projectOut = nn.Linear(levels.Length, Dim);
        }
        RegisterComponents();
    }

    /// <summary>The bounded, rounded codes in [−1, 1] for unbounded values <paramref name="z"/> [..., d], straight-through.</summary>
    public Tensor Quantize(Tensor z)
    {
        using var scope = NewDisposeScope();
        var levels = tensor(_levels, device: z.device).to(z.dtype);
        var half = (levels - 1) * (1 + Eps) / 2;
        var offset = where(tensor(_levels, device: z.device).remainder(2).eq(0), 0.5, 0.0).to(z.dtype);
        var shift = (offset / half).atanh();
        var bounded = (z + shift).tanh() * half - offset;
        var rounded = bounded + (bounded.round() - bounded).detach();   // round, gradient of the identity
        return (rounded / HalfWidth(z)).MoveToOuterDisposeScope();
    }

    /// <summary>⌊L_i/2⌋ per channel, in <paramref name="like"/>'s dtype and device: the scale between levels and [−1, 1].</summary>
    Tensor HalfWidth(Tensor like) => tensor(_levels.Select(l => (double)(l / 2)).ToArray(), device: like.device).to(like.dtype);

    /// <summary>Each code's index: [..., d] codes in [−1, 1] → [...] int64.</summary>
    public Tensor CodesToIndices(Tensor codes)
    {
        using var scope = NewDisposeScope();
        var halfWidth = HalfWidth(codes);
        var levelIndex = codes * halfWidth + halfWidth;
        var basis = tensor(_basis, device: codes.device).to(codes.dtype);
        return (levelIndex * basis).sum(-1).round().to(int64).MoveToOuterDisposeScope();
    }

    /// <summary>The codes [..., d] in [−1, 1] of indices [...].</summary>
    public Tensor IndicesToCodes(Tensor indices)
    {
        using var scope = NewDisposeScope();
        var basis = tensor(_basis, device: indices.device);
        var levels = tensor(_levels, device: indices.device);
        var levelIndex = indices.unsqueeze(-1).div(basis, rounding_mode: RoundingMode.floor).remainder(levels).to(float32);
        var halfWidth = HalfWidth(levelIndex);
        return ((levelIndex - halfWidth) / halfWidth).MoveToOuterDisposeScope();
    }

    /// <summary>Quantises z [B, Dim, H, W]: the codes (projected out), their indices [B, H, W], zero auxiliary losses and
    /// the batch's perplexity.</summary>
    public override QuantizerOutput forward(Tensor z)
    {
        if (z.dim() != 4 || z.shape[1] != Dim)
            throw Expect.Mismatch(nameof(FiniteScalarQuantizer), nameof(z), $"a feature map [B, {Dim}, H, W]", Expect.ShapeOf(z));
        using var float32 = Codes.InCodebookPrecision(ref z, ScalarType.Float32);
        using var scope = NewDisposeScope();
        long b = z.shape[0], h = z.shape[2], w = z.shape[3];
        var channelsLast = z.permute(0, 2, 3, 1);
        var inner = projectIn is null ? channelsLast : projectIn.forward(channelsLast);
        var codes = Quantize(inner);
        var indices = CodesToIndices(codes.detach());
        var outer = projectOut is null ? codes : projectOut.forward(codes);
        var quantized = outer.permute(0, 3, 1, 2).contiguous();
        var zero = zeros(new long[0], dtype: z.dtype, device: z.device);
        using var counts = bincount(indices.flatten(), minlength: CodebookSize).to(z.dtype);
        var output = new QuantizerOutput(quantized, indices.reshape(b, h, w), zero, zero.clone(), CodebookStats.PerplexityOf(counts).detach());
        return VectorQuantizer.Keep(output);
    }

    /// <summary>Code vectors for indices: [B, H, W] int64 → [B, Dim, H, W].</summary>
    public Tensor Lookup(Tensor indices)
    {
        if (indices.dtype != int64 || indices.dim() != 3)
            throw Expect.Mismatch(nameof(FiniteScalarQuantizer), nameof(indices), "code indices [B, H, W] int64", $"{Expect.ShapeOf(indices)} {Expect.NameOf(indices.dtype)}");
        using var scope = NewDisposeScope();
        var codes = IndicesToCodes(indices);
        var outer = projectOut is null ? codes : projectOut.forward(codes);
        return outer.permute(0, 3, 1, 2).contiguous().MoveToOuterDisposeScope();
    }
}
