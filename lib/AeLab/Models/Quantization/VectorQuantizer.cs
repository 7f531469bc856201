using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AeLab.Models.Quantization;

/// <summary>
/// The VQ-VAE quantiser with a codebook learnt by gradient (van den Oord et al., 2017): each vector of the
/// encoder output is replaced by its nearest code, z_q = e_k with k = argmin_j ‖z − e_j‖²; the decoder
/// receives z + sg[z_q − z] so the reconstruction gradient passes straight through to the encoder;
/// <see cref="QuantizerOutput.CodebookLoss"/> moves the chosen codes towards the encoder outputs.
/// </summary>
/// <remarks>Codes are initialised uniformly in ±1/K, as in the reference implementations. Codes that no
/// encoder output is nearest to get no gradient at all and stay where they are: the cause of codebook collapse.</remarks>
public sealed class VectorQuantizer : nn.Module<Tensor, QuantizerOutput>, IQuantizer
{
    readonly Parameter codebook; // [K, D]

    public int CodebookSize { get; }
    public int Dim { get; }
    public Tensor Codebook => codebook;

    public VectorQuantizer(int codebookSize, int dim) : base(nameof(VectorQuantizer))
    {
        if (codebookSize < 2) throw new ArgumentOutOfRangeException(nameof(codebookSize), codebookSize, "codebookSize must be at least 2.");
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be at least 1.");
        CodebookSize = codebookSize; Dim = dim;
        codebook = new Parameter(empty(codebookSize, dim).uniform_(-1.0 / codebookSize, 1.0 / codebookSize));
        RegisterComponents();
    }

    public override QuantizerOutput forward(Tensor z)
    {
        using var float32 = Codes.InCodebookPrecision(ref z, codebook.dtype);
        Codes.CheckInput(z, codebook, nameof(VectorQuantizer));
        using var scope = NewDisposeScope();
        var flat = Codes.Flatten(z);
        Tensor indices;
        using (no_grad()) indices = Codes.Distances(flat, codebook).argmin(1);
        var output = Codes.Output(z, flat, indices, codebook, CodebookSize, codebookLearnsByGradient: true);
        return Keep(output);
    }

    public Tensor Lookup(Tensor indices) => Codes.Lookup(codebook, indices, nameof(VectorQuantizer));

    internal static QuantizerOutput Keep(QuantizerOutput o) => new(
        o.Quantized.MoveToOuterDisposeScope(), o.Indices.MoveToOuterDisposeScope(), o.CommitmentLoss.MoveToOuterDisposeScope(),
        o.CodebookLoss.MoveToOuterDisposeScope(), o.Perplexity.MoveToOuterDisposeScope());
}
