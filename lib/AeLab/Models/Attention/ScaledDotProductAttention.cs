using AeLab.Core;
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
        Check(q, k, v);
        if (mask is not null && mask.dtype != ScalarType.Bool)
            throw new ArgumentException($"mask must be a boolean tensor (true = may attend); got {mask.dtype}.", nameof(mask));

        double scale = 1.0 / Math.Sqrt(q.shape[^1]);
        var scores = matmul(q, k.transpose(-2, -1)).mul(scale);                     // [..., Lq, Lk]
        if (mask is not null)
        {
            if (Expect.BroadcastShape(mask.shape, scores.shape) is not { } m || !m.SequenceEqual(scores.shape))
                throw Expect.Mismatch(Who, nameof(mask), $"to broadcast to the scores {Expect.ShapeOf(scores)} ([..., Lq, Lk])", Expect.ShapeOf(mask));
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

    const string Who = nameof(ScaledDotProductAttention);

    // Everything matmul needs, checked here: libtorch's matmul error ends the process instead of throwing.
    static void Check(Tensor q, Tensor k, Tensor v)
    {
        if (q.dim() < 2 || k.dim() < 2 || v.dim() < 2)
            throw new ArgumentException($"{Who} expects q, k and v of at least [L, D]; got q {S(q)}, k {S(k)}, v {S(v)}.");
        if (!q.is_floating_point())
            throw Expect.Mismatch(Who, nameof(q), "as floating-point numbers", Expect.NameOf(q.dtype), "Use q.to(float32).");
        Expect.SameKind(k, q, Who, nameof(k), nameof(q));
        Expect.SameKind(v, q, Who, nameof(v), nameof(q));
        if (q.shape[^1] != k.shape[^1])
            throw Expect.Mismatch(Who, nameof(k), $"with the last size d_k of q, {S(q)}", S(k), "Queries and keys must share d_k.");
        if (k.shape[^2] != v.shape[^2])
            throw Expect.Mismatch(Who, nameof(v), $"with as many rows Lk as k, {S(k)}", S(v), "Keys and values come in pairs.");
        var qk = Expect.BroadcastShape(q.shape[..^2], k.shape[..^2]);
        if (qk is null)
            throw Expect.Mismatch(Who, nameof(k), $"with batch sizes (the sizes before [Lk, d_k]) that equal or broadcast against q {S(q)}", S(k));
        if (Expect.BroadcastShape(qk, v.shape[..^2]) is null)
            throw Expect.Mismatch(Who, nameof(v), $"with batch sizes (the sizes before [Lk, Dv]) that equal or broadcast against q {S(q)} and k {S(k)}", S(v));
    }

    static string S(Tensor t) => Expect.ShapeOf(t);
}
