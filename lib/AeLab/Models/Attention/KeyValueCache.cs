using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Models.Attention;

/// <summary>
/// The keys and values a causal <see cref="TokenTransformer"/> has computed so far, one pair per layer, so that drawing
/// a sequence token by token feeds only the new token through the network instead of the whole prefix again: with a
/// causal mask the keys and values of earlier positions never change when later tokens arrive. Drawing L tokens then
/// costs L single-token passes instead of 1 + 2 + … + L positions. Create one with
/// <see cref="TokenTransformer.NewCache"/>, pass it to <see cref="TokenTransformer.Forward(Tensor, KeyValueCache)"/>,
/// and dispose it when the sequence is done (its tensors live outside any dispose scope).
/// </summary>
public sealed class KeyValueCache : IDisposable
{
    readonly Tensor?[] keys, values;

    internal KeyValueCache(int layers)
    {
        keys = new Tensor?[layers];
        values = new Tensor?[layers];
    }

    /// <summary>Positions cached so far (the next token's position).</summary>
    public long Length { get; private set; }

    /// <summary>Appends the new keys and values [B, heads, n, d] of <paramref name="layer"/>; returns all of them so far.</summary>
    internal (Tensor Keys, Tensor Values) Append(int layer, Tensor k, Tensor v)
    {
        if (keys[layer] is { } old && old.shape[0] != k.shape[0])
            throw new ArgumentException($"The cache holds {old.shape[0]} sequences; these tokens are {k.shape[0]}. Use one cache per batch of sequences.");
        keys[layer] = Grow(keys[layer], k);
        values[layer] = Grow(values[layer], v);
        return (keys[layer]!, values[layer]!);
    }

    /// <summary>Called once every layer has appended the new tokens.</summary>
    internal void Advance(long tokens) => Length += tokens;

    static Tensor Grow(Tensor? old, Tensor added)
    {
        var grown = (old is null ? added.detach().clone() : cat(new[] { old, added.detach() }, 2)).DetachFromDisposeScope();
        old?.Dispose();
        return grown;
    }

    public void Dispose()
    {
        foreach (var t in keys.Concat(values)) t?.Dispose();
        Array.Clear(keys);
        Array.Clear(values);
    }
}
