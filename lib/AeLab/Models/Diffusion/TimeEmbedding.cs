using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AeLab.Models.Diffusion;

/// <summary>
/// How the denoiser is told the step t: the sinusoidal embedding of the Transformer's positions (Vaswani et al. 2017),
/// as DDPM uses it (Ho et al. 2020), followed by a small MLP. Frequencies ω_i = P^(−i/h) for i = 0 … h−1 (h = dim/2,
/// P = 10 000); the embedding is [sin(t·ω_0) … sin(t·ω_{h−1}), cos(t·ω_0) … cos(t·ω_{h−1})].
/// </summary>
public sealed class TimeEmbedding : nn.Module<Tensor, Tensor>
{
    readonly Linear first, second;

    /// <summary>Length of the sinusoidal part.</summary>
    public int Dim { get; }

    /// <summary>Length of the output: what each residual block projects to its channels.</summary>
    public int OutputDim { get; }

    public TimeEmbedding(int dim, int outputDim) : base(nameof(TimeEmbedding))
    {
        if (dim < 2 || dim % 2 != 0) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be an even number of at least 2.");
        if (outputDim < 1) throw new ArgumentOutOfRangeException(nameof(outputDim), outputDim, "outputDim must be at least 1.");
        Dim = dim;
        OutputDim = outputDim;
        first = nn.Linear(dim, outputDim);
        second = nn.Linear(outputDim, outputDim);
        RegisterComponents();
    }

    /// <summary>The sinusoidal embedding [B, dim] of steps t [B] (any number type), in float32 on t's device.</summary>
    public static Tensor Sinusoidal(Tensor t, int dim, double maxPeriod = 10_000)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (dim < 2 || dim % 2 != 0) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be an even number of at least 2.");
        if (t.dim() != 1) throw new ArgumentException($"Sinusoidal expects steps t as [B]; got [{string.Join(", ", t.shape)}].", nameof(t));
        using var scope = NewDisposeScope();
        int half = dim / 2;
        var omega = exp(arange(half, dtype: float32, device: t.device) * (-Math.Log(maxPeriod) / half));
        var angles = t.to(float32).unsqueeze(1) * omega.unsqueeze(0);
        return cat(new[] { angles.sin(), angles.cos() }, 1).MoveToOuterDisposeScope();
    }

    /// <summary>[B, OutputDim] for steps t [B]: Linear → SiLU → Linear of the sinusoidal embedding.</summary>
    public override Tensor forward(Tensor t)
    {
        using var scope = NewDisposeScope();
        var h = nn.functional.silu(first.forward(Sinusoidal(t, Dim)));
        return second.forward(h).MoveToOuterDisposeScope();
    }
}
