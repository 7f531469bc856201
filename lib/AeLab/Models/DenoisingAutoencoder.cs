using AeLab.Core;
using static TorchSharp.torch;

namespace AeLab.Models;

/// <summary>
/// The denoising autoencoder (lesson 03): an MLP autoencoder trained to reconstruct the clean x from
/// x̃ = x + ε, ε ~ N(0, σ²). The noise is drawn afresh for every batch, so the network cannot memorise
/// low-level detail and must learn what a clean image looks like.
/// </summary>
public sealed class DenoisingAutoencoder : nn.Module<Tensor, Tensor>, IAutoencoder
{
    readonly MlpAutoencoder inner;

    /// <summary>Standard deviation σ of the Gaussian input noise (pixel units; images are in [0,1]).</summary>
    public double Sigma { get; }

    public MlpAutoencoder Inner => inner;
    public long[] InputShape => inner.InputShape;
    public long[] LatentShape => inner.LatentShape;

    public DenoisingAutoencoder(double sigma = 0.5, MlpAutoencoder? inner = null) : base(nameof(DenoisingAutoencoder))
    {
        if (!(sigma >= 0)) throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "sigma is a standard deviation: 0 or more.");
        Sigma = sigma;
        this.inner = inner ?? new MlpAutoencoder();
        RegisterComponents();
    }

    /// <summary>x̃ = x + ε with ε ~ N(0, σ²) (not clipped: the noise model the loss assumes).</summary>
    public static Tensor AddNoise(Tensor x, double sigma) => sigma == 0 ? x.clone() : x + sigma * randn_like(x);

    /// <summary>Noisy version of <paramref name="x"/> with this model's σ.</summary>
    public Tensor Corrupt(Tensor x) => AddNoise(x, Sigma);

    public Tensor Encode(Tensor x) => inner.Encode(x);
    public Tensor Decode(Tensor z) => inner.Decode(z);

    /// <summary>Reconstructs (denoises) the input as given; add noise yourself with <see cref="Corrupt"/>.</summary>
    public override Tensor forward(Tensor x) => inner.forward(x);

    /// <summary>Training loss: corrupt the batch, score the reconstruction against the clean batch.</summary>
    public LossOutput Loss(Tensor x) => inner.Loss(Corrupt(x), x);

    public Tensor Sample(int n) => inner.Sample(n);
}
