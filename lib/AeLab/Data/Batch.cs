using static TorchSharp.torch;

namespace AeLab.Data;

/// <summary>One mini-batch: images [N, C, H, W] and, when the dataset has them, integer labels [N].</summary>
public sealed record Batch(Tensor X, Tensor? Y = null) : IDisposable
{
    public void Dispose()
    {
        X.Dispose();
        Y?.Dispose();
    }
}
