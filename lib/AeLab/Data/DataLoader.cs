using AeLab.Runtime;
using System.Collections;
using static TorchSharp.torch;

namespace AeLab.Data;

/// <summary>
/// Yields mini-batches of an <see cref="ImageDataset"/> on a device, optionally shuffled and
/// transformed, while the next batch is prepared on a background task so training does not wait.
/// A batch lives until the loader moves past it (then it is disposed); to keep one longer, clone its
/// tensors. Stopping early (break, First()) leaves the current batch to the caller.
/// Each enumeration is one epoch; epoch k's order and augmentation depend only on (seed, k).
/// </summary>
public sealed class DataLoader : IEnumerable<Batch>
{
    readonly ImageDataset _data;
    readonly int _batchSize;
    readonly bool _shuffle, _dropLast;
    readonly BatchTransform? _transform;
    readonly Device _device;
    readonly long _seed;
    int _epoch;

    public DataLoader(ImageDataset dataset, int batchSize, bool shuffle = true, bool dropLast = false,
        BatchTransform? transform = null, Device? device = null, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batchSize must be at least 1 (got {batchSize}).");
        if (dataset.Count == 0) throw new ArgumentException($"{dataset.Source}: the dataset is empty; nothing to load.", nameof(dataset));
        if (dropLast && dataset.Count < batchSize)
            throw new ArgumentException($"dropLast with batchSize {batchSize} but only {dataset.Count} items would give no batch; lower batchSize or set dropLast: false.", nameof(dropLast));
        (_data, _batchSize, _shuffle, _dropLast, _transform, _seed) = (dataset, batchSize, shuffle, dropLast, transform, Lab.Mixed(seed));
        _device = device ?? Lab.Device;
    }

    public ImageDataset Dataset => _data;
    public int BatchSize => _batchSize;

    /// <summary>
    /// The epoch the next enumeration is (0-based; each enumeration advances it). The trainer sets it so a
    /// resumed run sees the same order and augmentation as an uninterrupted one.
    /// </summary>
    public int Epoch
    {
        get => _epoch;
        set => _epoch = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(Epoch), $"Epoch must be 0 or more (got {value}).");
    }

    /// <summary>Batches per epoch.</summary>
    public int Count => _dropLast ? _data.Count / _batchSize : (_data.Count + _batchSize - 1) / _batchSize;

    public IEnumerator<Batch> GetEnumerator()
    {
        int epoch = _epoch++;
        long[] order = Enumerable.Range(0, _data.Count).Select(i => (long)i).ToArray();
        if (_shuffle) new Random(ShuffleSeed(_seed, epoch)).Shuffle(order);
        var rng = new Generator((ulong)(_seed * 1_000_003 + epoch));
        int count = Count;

        int consumer = Environment.CurrentManagedThreadId;
        Task<Batch>? next = Prepare(0);
        Batch? current = null;
        try
        {
            for (int b = 0; b < count; b++)
            {
                current = next!.GetAwaiter().GetResult();
                next = b + 1 < count ? Prepare(b + 1) : null;
                yield return current;
                current.Dispose(); // the consumer asked for the next one
                current = null;
            }
        }
        finally
        {
            // Early stop: wait for the batch being prepared and free it; the current one belongs to the caller.
            if (next is not null) try { next.GetAwaiter().GetResult().Dispose(); } catch { /* already reported by the consumer path */ }
            rng.Dispose();
        }

        // Batches are built one at a time, in order, so the generator sequence is deterministic.
        Task<Batch> Prepare(int b) => Task.Run(() =>
        {
            // A second OpenMP team would slow every training step (see there); a task the consumer's wait runs inline
            // stays on the consumer's thread, which keeps its threads.
            if (Environment.CurrentManagedThreadId != consumer) OpenMp.SingleThreadedHere();
            int start = b * _batchSize, n = Math.Min(_batchSize, _data.Count - start);
            using var scope = NewDisposeScope(); // per-thread: frees this task's temporaries
            var idx = tensor(order.AsSpan(start, n).ToArray());
            var x = _data.Images.index_select(0, idx).to(_device);
            if (_transform is not null) x = _transform(x, rng);
            var y = _data.Labels?.index_select(0, idx).to(_device);
            x = x.MoveToOuterDisposeScope();
            y = y?.MoveToOuterDisposeScope();
            return new Batch(x, y);
        });
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>
    /// The shuffle seed of (seed, epoch): a fixed SplitMix64 mix, the same in every process. (HashCode.Combine is
    /// randomised per process, which made a resumed run in a new session see other orders.)
    /// </summary>
    internal static int ShuffleSeed(long seed, int epoch) => (int)(SeedMix.Of(seed, epoch) & int.MaxValue);
}
