using static TorchSharp.torch;

namespace AeLab.Data;

/// <summary>Mini-batches cut from one tensor of examples (token sequences, code maps) held in memory.</summary>
public static class TensorBatches
{
    /// <summary>
    /// Full batches of <paramref name="batchSize"/> rows of <paramref name="data"/> [N, …] on <paramref name="device"/>
    /// (a last, partial batch is dropped), in a new random order at every enumeration when <paramref name="shuffle"/>
    /// (drawn from the global generator, which the trainer reseeds every epoch), else in order.
    /// </summary>
    public static IEnumerable<Batch> Of(Tensor data, int batchSize, bool shuffle, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be 1 or more.");
        if (data.dim() < 1 || data.shape[0] < batchSize)
            throw new ArgumentException($"TensorBatches needs at least one full batch of {batchSize}; data has shape [{string.Join(", ", data.shape)}].", nameof(data));
        return Enumerate(data, batchSize, shuffle, device);
    }

    static IEnumerable<Batch> Enumerate(Tensor data, int batchSize, bool shuffle, Device? device)
    {
        var order = shuffle ? randperm(data.shape[0]) : arange(data.shape[0]);
        for (long i = 0; i + batchSize <= data.shape[0]; i += batchSize)
            yield return new Batch(data.index_select(0, order.narrow(0, i, batchSize)).to(device ?? AeLab.Runtime.Lab.Device));
    }
}
