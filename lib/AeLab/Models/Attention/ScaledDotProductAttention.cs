using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Models.Attention;

/// <summary>The result of one attention call: the mixed values and the weights that mixed them.</summary>
/// <param name="Output">[..., Lq, Dv]: each query's weighted average of the values.</param>
/// <param name="Weights">[..., Lq, Lk]: softmax over keys; every row sums to 1, masked keys get exactly 0.</param>
public sealed record AttentionOutput(Tensor Output, Tensor Weights);

/// <summary>
/// Scaled dot-product attention, softmax(Q Kᵀ / √d_k) V, written out instead of calling libtorch's fused kernel
/// so the lesson can show (and the display can read) the weights.
/// </summary>
public static class ScaledDotProductAttention
{
    /// <param name="q">Queries [..., Lq, Dk].</param>
    /// <param name="k">Keys [..., Lk, Dk].</param>
    /// <param name="v">Values [..., Lk, Dv].</param>
    /// <param name="mask">Optional boolean mask broadcastable to [..., Lq, Lk]: true = the query may look at that key.
    /// Every query must keep at least one key.</param>
    public static AttentionOutput Compute(Tensor q, Tensor k, Tensor v, Tensor? mask = null)
    {
        ArgumentNullException.ThrowIfNull(q); ArgumentNullException.ThrowIfNull(k); ArgumentNullException.ThrowIfNull(v);
        if (q.dim() < 2 || k.dim() < 2 || v.dim() < 2)
            throw new ArgumentException($"q, k and v need at least [L, D]; got q [{Shape(q)}], k [{Shape(k)}], v [{Shape(v)}].");
        if (q.shape[^1] != k.shape[^1])
            throw new ArgumentException($"Queries and keys must share their last size d_k; got q [{Shape(q)}] and k [{Shape(k)}].", nameof(k));
        if (k.shape[^2] != v.shape[^2])
            throw new ArgumentException($"Keys and values must have the same length Lk; got k [{Shape(k)}] and v [{Shape(v)}].", nameof(v));

        double scale = 1.0 / Math.Sqrt(q.shape[^1]);
        var scores = matmul(q, k.transpose(-2, -1)).mul(scale);                     // [..., Lq, Lk]
        if (mask is not null)
        {
            if (mask.dtype != ScalarType.Bool)
                throw new ArgumentException($"mask must be a boolean tensor (true = may attend); got {mask.dtype}.", nameof(mask));
            // -inf makes exp() exactly 0, so masked keys get exactly zero weight.
            scores = scores.masked_fill(mask.logical_not(), double.NegativeInfinity);
        }
        var weights = scores.softmax(-1);
        return new AttentionOutput(matmul(weights, v), weights);
    }

    /// <summary>The decoder (causal) mask [L, L]: query i may look at keys 0…i only (lower triangle true).</summary>
    public static Tensor CausalMask(long length, Device? device = null)
    {
        if (length < 1) throw new ArgumentOutOfRangeException(nameof(length), length, "length must be at least 1.");
        return ones(length, length, dtype: ScalarType.Bool, device: device).tril();
    }

    static string Shape(Tensor t) => string.Join(", ", t.shape);
}
