using System.Collections;
using AeLab.Data;
using static TorchSharp.torch;

namespace AeLab.Models.VqGan;

/// <summary>
/// Code maps [N, H, W] (int64) served as shuffled batches for training a prior with the library's Trainer:
/// each enumeration is a new random order (drawn from the torch generator, which the Trainer seeds per epoch).
/// With <c>labels</c> each batch carries its maps' labels too (a class-conditional prior reads them).
/// </summary>
public sealed class TokenBatches : IEnumerable<Batch>
{
    readonly Tensor codes;
    readonly int batchSize;
    readonly bool shuffle;
    readonly Tensor? labels;

    public TokenBatches(Tensor codes, int batchSize, bool shuffle = true, Tensor? labels = null)
    {
        ArgumentNullException.ThrowIfNull(codes);
        if (codes.dtype != int64 || codes.dim() < 2)
            throw new ArgumentException($"codes must be int64 code maps [N, H, W] or [N, L]; got {codes.dtype} [{string.Join(", ", codes.shape)}]. Use VqGanModel.EncodeIndices.", nameof(codes));
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be at least 1.");
        if (labels is not null && (labels.dtype != int64 || labels.dim() != 1 || labels.shape[0] != codes.shape[0]))
            throw new ArgumentException($"labels must be int64 [{codes.shape[0]}], one per code map; got {labels.dtype} [{string.Join(", ", labels.shape)}].", nameof(labels));
        this.codes = codes; this.batchSize = batchSize; this.shuffle = shuffle;
        this.labels = labels?.to(codes.device);
    }

    public int Count => (int)((codes.shape[0] + batchSize - 1) / batchSize);

    public IEnumerator<Batch> GetEnumerator()
    {
        long n = codes.shape[0];
        using var order = shuffle ? randperm(n, device: codes.device) : arange(n, device: codes.device);
        for (long start = 0; start < n; start += batchSize)
        {
            using var idx = order.narrow(0, start, Math.Min(batchSize, n - start));
            yield return new Batch(codes.index_select(0, idx), labels?.index_select(0, idx));
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
