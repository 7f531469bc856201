using System.Globalization;
using static TorchSharp.torch;

namespace AeLab.Models.Attention;

/// <summary>
/// How much attention each head puts on given (query, key) pairs — for example, in lesson 10's digit reversal, on the
/// mirrored input position that the query writing each output digit has to copy.
/// </summary>
public static class AttentionShares
{
    /// <summary>
    /// Per head, the mean weight that query <c>queries[j]</c> puts on key <c>keys[j]</c>, averaged over the pairs j and
    /// over the batch, from attention weights [N, heads, Lq, Lk] (a <c>TokenTransformer</c>'s <c>AttentionWeights</c>
    /// of one layer).
    /// </summary>
    public static float[] PerHead(Tensor weights, IReadOnlyList<long> queries, IReadOnlyList<long> keys)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(keys);
        if (weights.dim() != 4)
            throw new ArgumentException($"PerHead expects attention weights [N, heads, Lq, Lk]; got [{string.Join(", ", weights.shape)}].", nameof(weights));
        if (queries.Count == 0 || queries.Count != keys.Count)
            throw new ArgumentException($"PerHead needs one key per query and at least one pair; got {queries.Count} queries and {keys.Count} keys.", nameof(keys));
        if (queries.Any(q => q < 0 || q >= weights.shape[2]) || keys.Any(k => k < 0 || k >= weights.shape[3]))
            throw new ArgumentOutOfRangeException(nameof(queries), $"queries must lie in 0…{weights.shape[2] - 1} and keys in 0…{weights.shape[3] - 1}.");
        using var scope = NewDisposeScope();
        var w = weights.detach().cpu();
        long n = w.shape[0], heads = w.shape[1], pairs = queries.Count;
        var onPairs = w.index_select(2, tensor(queries.ToArray())).gather(3, tensor(keys.ToArray()).view(1, 1, pairs, 1).expand(n, heads, pairs, 1));
        return onPairs.mean([0, 2, 3]).to(ScalarType.Float32).data<float>().ToArray();
    }

    /// <summary>
    /// One line naming, per layer, the heads that put more than <paramref name="threshold"/> of their weight on the
    /// pairs (<paramref name="shares"/>: per layer, per head, as <see cref="PerHead"/> gives them), or the head that
    /// puts the most there and how many times <paramref name="uniformShare"/> (a head spreading its weight evenly) that is:
    /// "layer 1: heads 2 (98 %), 4 (61 %) · layer 2: none; the most is head 1 with 23.0 % (2.5× uniform)".
    /// </summary>
    public static string CopyingHeads(IReadOnlyList<float[]> shares, double uniformShare, double threshold = 0.5)
    {
        ArgumentNullException.ThrowIfNull(shares);
        if (shares.Count == 0 || shares.Any(l => l is null || l.Length == 0))
            throw new ArgumentException("CopyingHeads needs at least one layer with at least one head's share.", nameof(shares));
        if (!(uniformShare > 0)) throw new ArgumentOutOfRangeException(nameof(uniformShare), uniformShare, "uniformShare must be positive.");
        var c = CultureInfo.InvariantCulture;
        return string.Join(" · ", shares.Select((layer, l) =>
        {
            var copying = Enumerable.Range(0, layer.Length).Where(h => layer[h] > threshold).ToArray();
            if (copying.Length > 0)
                return $"layer {l + 1}: head{(copying.Length > 1 ? "s" : "")} {string.Join(", ", copying.Select(h => $"{h + 1} ({layer[h].ToString("P0", c)})"))}";
            var best = Enumerable.Range(0, layer.Length).MaxBy(h => layer[h]);
            return $"layer {l + 1}: none; the most is head {best + 1} with {layer[best].ToString("P1", c)} ({(layer[best] / uniformShare).ToString("F1", c)}× uniform)";
        }));
    }
}
