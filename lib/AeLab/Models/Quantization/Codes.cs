using AeLab.Core;
using static TorchSharp.torch;

namespace AeLab.Models.Quantization;

/// <summary>The arithmetic both quantisers share: nearest-code search, lookup, straight-through.</summary>
internal static class Codes
{
    /// <summary>Inside a bfloat16 autocast scope the encoder hands over bfloat16; the search and the straight-through
    /// run in the codebook's dtype, float32 (bfloat16's 8-bit mantissa would tie near distances): <paramref name="z"/>
    /// is converted and autocast is off until the returned scope ends. Nothing changes outside autocast.</summary>
    public static IDisposable InCodebookPrecision(ref Tensor z, ScalarType codebook)
    {
        if (Runtime.Autocast.Enabled && z.dtype == ScalarType.BFloat16 && codebook != ScalarType.BFloat16) z = z.to(codebook);
        return Runtime.Autocast.Float32Scope();
    }

    /// <summary>Encoder outputs [B, D, H, W] of the codebook's dtype and device: the distance's matmul ends the
    /// process on a mismatch instead of throwing, so it is refused here with the expected and the given.</summary>
    public static void CheckInput(Tensor z, Tensor codebook, string who)
    {
        long dim = codebook.shape[1];
        if (z.dim() != 4 || z.shape[1] != dim)
            throw Expect.Mismatch(who, nameof(z), $"as encoder outputs [B, {dim}, H, W] (channels = code dimension {dim})", Expect.ShapeOf(z),
                "Make the encoder's last layer output as many channels as the quantiser's dim.");
        Expect.SameKind(z, codebook, who, nameof(z), "the codebook");
    }

    /// <summary>[B, D, H, W] → [B·H·W, D], one row per position.</summary>
    public static Tensor Flatten(Tensor z) => z.permute(0, 2, 3, 1).reshape(-1, z.shape[1]);

    /// <summary>Squared distances [N, K] between rows of flat [N, D] and codes [K, D]: ‖z‖² − 2 z·e + ‖e‖².</summary>
    public static Tensor Distances(Tensor flat, Tensor codebook)
    {
        if (flat.dim() != 2 || codebook.dim() != 2 || flat.shape[1] != codebook.shape[1])
            throw Expect.Mismatch("Codes.Distances", nameof(flat), $"as rows [N, {codebook.shape[^1]}] against the codebook {Expect.ShapeOf(codebook)}", Expect.ShapeOf(flat));
        Expect.SameKind(flat, codebook, "Codes.Distances", nameof(flat), "the codebook");
        return flat.pow(2).sum(1, keepdim: true) - 2 * flat.matmul(codebook.t()) + codebook.pow(2).sum(1).unsqueeze(0);
    }

    /// <summary>Code vectors for indices [B, H, W] → [B, D, H, W]; indices from outside (a prior's draw, a learner's map)
    /// are checked against the codebook, <paramref name="who"/> naming the quantiser in the message.</summary>
    public static Tensor Lookup(Tensor codebook, Tensor indices, string who)
    {
        if (indices.dtype != ScalarType.Int64)
            throw new ArgumentException($"indices must be int64 code numbers; got {indices.dtype}. Use .to(int64).", nameof(indices));
        if (indices.dim() != 3)
            throw new ArgumentException($"indices must be [B, H, W]; got [{string.Join(", ", indices.shape)}].", nameof(indices));
        Expect.Indices(indices, codebook.shape[0], who, nameof(indices));
        return Gather(codebook, indices);
    }

    // The lookup itself, for indices the quantiser chose (no check: reading their range back would stall a GPU every step).
    static Tensor Gather(Tensor codebook, Tensor indices)
    {
        long b = indices.shape[0], h = indices.shape[1], w = indices.shape[2];
        using var rows = codebook.index_select(0, indices.reshape(-1));   // [B·H·W, D]
        return rows.reshape(b, h, w, -1).permute(0, 3, 1, 2).contiguous();
    }

    /// <summary>The quantiser's outputs from z, its nearest codes and the indices.</summary>
    public static QuantizerOutput Output(Tensor z, Tensor flat, Tensor indices, Tensor codebook, int size, bool codebookLearnsByGradient)
    {
        long b = z.shape[0], h = z.shape[2], w = z.shape[3];
        var idx = indices.reshape(b, h, w);
        var zq = Gather(codebook, idx);
        var commitment = nn.functional.mse_loss(z, zq.detach());
        var codebookLoss = codebookLearnsByGradient
            ? nn.functional.mse_loss(zq, z.detach())
            : zeros(new long[0], dtype: z.dtype, device: z.device);
        var quantized = z + (zq - z).detach();   // straight-through: value of z_q, gradient of z
        using var counts = bincount(indices, minlength: size).to(z.dtype);
        return new QuantizerOutput(quantized, idx, commitment, codebookLoss, CodebookStats.PerplexityOf(counts).detach());
    }
}
