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
    readonly Tensor?[] keys, values;   // per layer [B, heads, capacity, d]; the first Length positions are filled
    readonly long capacity;

    internal KeyValueCache(int layers, long capacity)
    {
        keys = new Tensor?[layers];
        values = new Tensor?[layers];
        this.capacity = capacity;
    }

    /// <summary>Positions cached so far (the next token's position).</summary>
    public long Length { get; private set; }

    /// <summary>Appends the new keys and values [B, heads, n, d] of <paramref name="layer"/>; returns all of them so far
    /// (views of the cache, valid until the next append).</summary>
    internal (Tensor Keys, Tensor Values) Append(int layer, Tensor k, Tensor v)
    {
        if (keys[layer] is { } old && old.shape[0] != k.shape[0])
            throw new ArgumentException($"The cache holds {old.shape[0]} sequences; these tokens are {k.shape[0]}. Use one cache per batch of sequences.");
        long n = k.shape[2];
        if (Length + n > capacity)
            throw new ArgumentException($"The cache holds {capacity} positions; {Length} are filled and {n} more do not fit.");
        // Written in place into storage for the whole sequence: no copy of the earlier positions at every step.
        keys[layer] ??= zeros(new[] { k.shape[0], k.shape[1], capacity, k.shape[3] }, dtype: k.dtype, device: k.device).DetachFromDisposeScope();
        values[layer] ??= zeros(new[] { v.shape[0], v.shape[1], capacity, v.shape[3] }, dtype: v.dtype, device: v.device).DetachFromDisposeScope();
        keys[layer]!.narrow(2, Length, n).copy_(k.detach());
        values[layer]!.narrow(2, Length, n).copy_(v.detach());
        return (keys[layer]!.narrow(2, 0, Length + n), values[layer]!.narrow(2, 0, Length + n));
    }

    /// <summary>Called once every layer has appended the new tokens.</summary>
    internal void Advance(long tokens) => Length += tokens;

    public void Dispose()
    {
        foreach (var t in keys.Concat(values)) t?.Dispose();
        Array.Clear(keys);
        Array.Clear(values);
    }
}
