using static TorchSharp.torch;

namespace AeLab.Models.Quantization;

/// <summary>
/// How much of a codebook a model uses: the fraction of codes chosen at least once, and the perplexity
/// exp(−Σ p_k log p_k) of the code histogram (the effective number of codes: K when all are used equally,
/// 1 when one code takes everything). Accumulate <see cref="Counts"/> over a validation set, then ask.
/// </summary>
public static class CodebookStats
{
    /// <summary>How often each of the K codes occurs in <paramref name="indices"/> (any shape, int64): [K] int64.</summary>
    public static Tensor Counts(Tensor indices, int codebookSize)
    {
        if (codebookSize < 1) throw new ArgumentOutOfRangeException(nameof(codebookSize), codebookSize, "codebookSize must be positive.");
        if (indices.dtype != ScalarType.Int64)
            throw new ArgumentException($"indices must be int64 code numbers; got {indices.dtype}.", nameof(indices));
        using var flat = indices.flatten();
        return bincount(flat, minlength: codebookSize);
    }

    /// <summary>Fraction of the K codes that occur at least once in <paramref name="indices"/>.</summary>
    public static double Usage(Tensor indices, int codebookSize)
    {
        using var counts = Counts(indices, codebookSize);
        return Usage(counts);
    }

    /// <summary>Fraction of codes with a non-zero count in a histogram [K].</summary>
    public static double Usage(Tensor counts)
    {
        using var used = counts.gt(0).sum();
        return used.item<long>() / (double)counts.shape[0];
    }

    /// <summary>exp(entropy) of the code histogram of <paramref name="indices"/>.</summary>
    public static double Perplexity(Tensor indices, int codebookSize)
    {
        using var counts = Counts(indices, codebookSize);
        return Perplexity(counts);
    }

    /// <summary>exp(−Σ p log p) with p = counts / Σ counts.</summary>
    public static double Perplexity(Tensor counts)
    {
        using var scope = NewDisposeScope();
        return PerplexityOf(counts.to(float64)).item<double>();
    }

    /// <summary>exp(entropy) of a code histogram as a tensor, in the histogram's floating dtype: the one perplexity of the
    /// library (the quantisers report it per batch from the same formula).</summary>
    public static Tensor PerplexityOf(Tensor counts)
    {
        var p = counts / counts.sum().clamp_min(1);
        return (-(p * p.clamp_min(1e-30).log()).sum()).exp();
    }
}
