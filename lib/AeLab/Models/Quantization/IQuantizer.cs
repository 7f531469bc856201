using static TorchSharp.torch;

namespace AeLab.Models.Quantization;

/// <summary>
/// What a vector quantiser returns for encoder outputs z [B, D, H, W].
/// </summary>
/// <param name="Quantized">z + sg[z_q − z]: equal to the nearest codes z_q in value, with the gradient of z
/// (straight-through), [B, D, H, W]. Feed this to the decoder.</param>
/// <param name="Indices">The chosen code per position, [B, H, W] int64.</param>
/// <param name="CommitmentLoss">‖z − sg[z_q]‖² (mean over elements): pulls the encoder towards its codes.</param>
/// <param name="CodebookLoss">‖sg[z] − z_q‖² (mean over elements): pulls the codes towards the encoder outputs.
/// Zero (no gradient) for a quantiser that updates its codebook by moving averages instead.</param>
/// <param name="Perplexity">exp(entropy) of the batch's code histogram, a scalar: the effective number of codes used.</param>
public sealed record QuantizerOutput(Tensor Quantized, Tensor Indices, Tensor CommitmentLoss, Tensor CodebookLoss, Tensor Perplexity);

/// <summary>
/// A vector quantiser: replaces each D-dimensional vector of a feature map by the nearest of K codebook
/// vectors. Implemented by <see cref="VectorQuantizer"/> (codebook learnt by gradient) and
/// <see cref="EmaVectorQuantizer"/> (codebook learnt by moving averages, dead codes restarted).
/// Both are also <c>nn.Module&lt;Tensor, QuantizerOutput&gt;</c>.
/// </summary>
public interface IQuantizer
{
    /// <summary>K, the number of codes.</summary>
    int CodebookSize { get; }

    /// <summary>D, the length of each code vector (the channel count of the feature map).</summary>
    int Dim { get; }

    /// <summary>The codebook [K, D] (the live tensor: clone it to keep a copy).</summary>
    Tensor Codebook { get; }

    /// <summary>Quantises z [B, D, H, W].</summary>
    QuantizerOutput forward(Tensor z);

    /// <summary>Code vectors for code indices: [B, H, W] int64 → [B, D, H, W].</summary>
    Tensor Lookup(Tensor indices);
}
