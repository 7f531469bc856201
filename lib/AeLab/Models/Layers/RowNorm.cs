using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Models.Layers;

/// <summary>
/// Normalises each sample's feature vector to zero mean and unit variance (no learned scale).
/// This is what the course's <c>InstanceNorm1d(4096)</c> does to a [B, 4096] input: PyTorch reads a 2-D
/// input as one unbatched [C, L] sample and normalises every row over its 4096 values.
/// </summary>
public sealed class RowNorm : nn.Module<Tensor, Tensor>
{
    readonly double eps;
    public RowNorm(double eps = 1e-5) : base(nameof(RowNorm)) => this.eps = eps;

    public override Tensor forward(Tensor x)
    {
        var mean = x.mean(new long[] { 1 }, keepdim: true);
        var variance = x.var(1, unbiased: false, keepdim: true);
        return (x - mean) / (variance + eps).sqrt();
    }
}
