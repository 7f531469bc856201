using AeLab.Core;
using static TorchSharp.torch;

namespace AeLab.Models;

/// <summary>
/// Why draws from a factorised prior decode to texture on a spatial latent: tools to take a code map's spatial
/// structure away (<see cref="ShufflePositions"/>), to keep it (<see cref="FittedGaussian"/>, a Gaussian with the codes'
/// full covariance, the same device as "regularised autoencoders with ex-post density estimation", Ghosh et al. 2020),
/// and to measure how far a convolutional decoder sees (<see cref="ReceptiveField"/>).
/// </summary>
public static class LatentStructure
{
    /// <summary>
    /// The same codes [N, C, H, W] with their H·W positions permuted, one random permutation per code, applied to every
    /// channel alike: each code keeps its values and its per-position channel vectors, and loses their arrangement.
    /// </summary>
    public static Tensor ShufflePositions(Tensor codes, long seed)
    {
        if (codes.dim() != 4)
            throw Expect.Mismatch(nameof(ShufflePositions), nameof(codes), "a batch of code maps [N, C, H, W]", Expect.ShapeOf(codes));
        long n = codes.shape[0], c = codes.shape[1], hw = codes.shape[2] * codes.shape[3];
        using var generator = new TorchSharp.torch.Generator((ulong)seed);
        using var scores = rand(new[] { n, hw }, generator: generator);
        using var order = scores.argsort(1).to(codes.device);
        using var flat = codes.flatten(2);
        using var index = order.unsqueeze(1).expand(n, c, hw);
        return flat.gather(2, index).view(codes.shape);
    }

    /// <summary>
    /// How many latent rows and columns one output pixel of <paramref name="decode"/> depends on: the extent of the
    /// non-zero gradient of an output pixel with respect to a code of <paramref name="latentShape"/> [C, H, W], the
    /// largest over the 4×4 output pixels at the centre (pixels of a strided decoder differ with their position).
    /// For a convolutional decoder this is its receptive field, cut off at the latent's edges.
    /// </summary>
    public static (int Rows, int Columns) ReceptiveField(Func<Tensor, Tensor> decode, long[] latentShape, Device? device = null)
    {
        if (latentShape.Length != 3)
            throw Expect.Mismatch(nameof(ReceptiveField), nameof(latentShape), "[C, H, W]", $"[{string.Join(", ", latentShape)}]");
        using var scope = NewDisposeScope();
        using var enabled = enable_grad();
        var z = randn(new[] { 1L }.Concat(latentShape).ToArray(), device: device ?? CPU).requires_grad_();
        var image = decode(z);
        long h = image.shape[^2], w = image.shape[^1];
        int rows = 0, columns = 0;
        for (long dy = 0; dy < Math.Min(4, h); dy++)
            for (long dx = 0; dx < Math.Min(4, w); dx++)
            {
                var pixel = image[.., .., (h - 1) / 2 + dy - 1, (w - 1) / 2 + dx - 1].sum();
                var touched = autograd.grad([pixel], [z], retain_graph: true)[0].abs().sum(new long[] { 0, 1 }).gt(0);   // [H, W]
                rows = Math.Max(rows, (int)touched.any(1).sum().item<long>());
                columns = Math.Max(columns, (int)touched.any(0).sum().item<long>());
            }
        return (rows, columns);
    }
}

/// <summary>
/// A Gaussian N(m, Σ) fitted to a set of codes of any shape (each flattened), with the codes' full covariance:
/// draws keep every correlation the codes have between latent positions and channels. Sampling uses the codes
/// themselves, z = m + Xᵀε / √(N − 1) with X the centred codes and ε ~ N(0, I_N), which is exactly N(m, Σ) for the
/// sample covariance Σ = XᵀX / (N − 1), without factorising a D×D matrix (D may exceed N).
/// </summary>
public sealed class FittedGaussian : IDisposable
{
    readonly Tensor _mean, _centred;
    readonly long[] _shape;

    FittedGaussian(Tensor mean, Tensor centred, long[] shape) { _mean = mean; _centred = centred; _shape = shape; }

    /// <summary>Fits the Gaussian to <paramref name="codes"/> [N, …] (N ≥ 2), in float64 on the codes' device.</summary>
    public static FittedGaussian Fit(Tensor codes)
    {
        if (codes.dim() < 2 || codes.shape[0] < 2)
            throw Expect.Mismatch(nameof(FittedGaussian), nameof(codes), "at least two codes [N, …]", Expect.ShapeOf(codes));
        using var flat = codes.detach().flatten(1).to(float64);
        var mean = flat.mean(new long[] { 0 });
        var centred = flat - mean;
        return new FittedGaussian(mean, centred, codes.shape.Skip(1).ToArray());
    }

    /// <summary>Numbers per code.</summary>
    public long Dimensions => _mean.shape[0];

    /// <summary>The codes' mean, in the codes' shape.</summary>
    public Tensor Mean => _mean.view(_shape);

    /// <summary>Standard deviation of every number of the code, in the codes' shape.</summary>
    public Tensor StandardDeviation => Std().view(_shape);

    // Per number, over the codes (N − 1 in the denominator, as the covariance the draws follow).
    Tensor Std() => _centred.pow(2).sum(new long[] { 0 }).div(_centred.shape[0] - 1).sqrt();

    /// <summary><paramref name="n"/> draws [n, …] in float32, drawn from torch's generator (seed it first).</summary>
    public Tensor Sample(long n)
    {
        using var scope = NewDisposeScope();
        var eps = randn(new[] { n, _centred.shape[0] }, dtype: float64, device: _centred.device);
        var draws = _mean + eps.mm(_centred) / Math.Sqrt(_centred.shape[0] - 1);
        return draws.to(float32).view(new[] { n }.Concat(_shape).ToArray()).MoveToOuterDisposeScope();
    }

    /// <summary>Draws with each number independent, N(m_i, σ_i²): the codes' per-position moments, no correlation.</summary>
    public Tensor SampleIndependent(long n)
    {
        using var scope = NewDisposeScope();
        var std = Std();
        var draws = _mean + randn(new[] { n, _mean.shape[0] }, dtype: float64, device: _mean.device) * std;
        return draws.to(float32).view(new[] { n }.Concat(_shape).ToArray()).MoveToOuterDisposeScope();
    }

    public void Dispose() { _mean.Dispose(); _centred.Dispose(); }
}
