using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Models.Layers;

/// <summary>
/// Dropout (Srivastava et al. 2014, "Dropout: A Simple Way to Prevent Neural Networks from Overfitting"): in training
/// mode each element is kept with probability 1 − p and scaled by 1 / (1 − p), so the expected output equals the
/// input; in eval mode it is the identity. The same layer as <c>nn.Dropout</c> with a cheaper mask: on the CPU
/// <see cref="DropoutMask"/> draws it in .NET, elsewhere it is <c>rand ≥ p</c>. The Transformers draw up to nine masks
/// a forward pass, and libtorch's CPU generator makes one number per element.
/// </summary>
public sealed class Dropout : nn.Module<Tensor, Tensor>
{
    public double P { get; }

    public Dropout(double p, string name = nameof(Dropout)) : base(name)
    {
        if (p is < 0 or > 1 || double.IsNaN(p)) throw new ArgumentOutOfRangeException(nameof(p), p, "dropout is a probability in [0, 1].");
        P = p;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        if (!training || P == 0) return x.alias();
        if (P == 1) return x * 0;
        using var scope = NewDisposeScope();
        var keep = DropoutMask.Supports(x)
            ? DropoutMask.Draw(x, P)
            : rand(x.shape, dtype: ScalarType.Float32, device: x.device).ge(P).to(x.dtype).mul_(1 / (1 - P));
        return x.mul(keep).MoveToOuterDisposeScope();
    }
}
