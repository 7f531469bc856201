using AeLab.Core;
using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace AeLab.Models;

/// <summary>
/// The fully connected VAE of the Fashion-MNIST notebook: 784 → 128 → (μ, logvar) ∈ ℝʰ, then
/// h → 128 → 784 logits. Bernoulli likelihood: the reconstruction term is binary cross-entropy on the
/// logits summed over the pixels of an image, so loss = −ELBO in nats per image.
/// </summary>
public sealed class MlpVae : Module<Tensor, Tensor>, IAutoencoder
{
    readonly Linear fc1, fcMu, fcLogvar, fc4, fc5;
    readonly long[] _imageShape;

    /// <summary>Size of the latent code h.</summary>
    public int LatentSize { get; }

    /// <summary>The shape of one input, [1, 28, 28] by default.</summary>
    public long[] InputShape => _imageShape.ToArray();
    public long[] LatentShape => new long[] { LatentSize };

    /// <summary>Weight of the KL term (1 = the true ELBO; other values give a β-VAE).</summary>
    public double KlWeight { get; set; } = 1.0;

    /// <param name="latentSize">h: 10 in the source notebook, 2 to draw the latent space.</param>
    /// <param name="hidden">Width of the single hidden layer on each side (128 in the source).</param>
    /// <param name="imageShape">Shape of one input, [C, H, W]; default Fashion-MNIST's [1, 28, 28].</param>
    public MlpVae(int latentSize = 10, int hidden = 128, long[]? imageShape = null) : base(nameof(MlpVae))
    {
        if (latentSize < 1) throw new ArgumentOutOfRangeException(nameof(latentSize), latentSize, "latentSize must be at least 1.");
        if (hidden < 1) throw new ArgumentOutOfRangeException(nameof(hidden), hidden, "hidden must be at least 1.");
        _imageShape = imageShape ?? new long[] { 1, 28, 28 };
        long inputDim = _imageShape.Aggregate(1L, (a, b) => a * b);
        LatentSize = latentSize;
        fc1 = Linear(inputDim, hidden);
        fcMu = Linear(hidden, latentSize);
        fcLogvar = Linear(hidden, latentSize);
        fc4 = Linear(latentSize, hidden);
        fc5 = Linear(hidden, inputDim);
        RegisterComponents();
    }

    /// <summary>The approximate posterior q(z|x) = N(μ, diag exp(logvar)).</summary>
    public (Tensor Mu, Tensor Logvar) EncodeDistribution(Tensor x)
    {
        Expect.FlatBatch(x, _imageShape, nameof(MlpVae), nameof(x), "images");
        using var h = nn.functional.relu(fc1.forward(x.flatten(1)));
        return (fcMu.forward(h), fcLogvar.forward(h));
    }

    /// <summary>Decoder output before the sigmoid, flat [N, C·H·W].</summary>
    public Tensor DecodeLogits(Tensor z)
    {
        Expect.FlatBatch(z, LatentShape, nameof(MlpVae), nameof(z), "codes");
        using var h = nn.functional.relu(fc4.forward(z.flatten(1)));
        return fc5.forward(h);
    }

    /// <summary>The posterior mean μ: the code a VAE gives an input.</summary>
    public Tensor Encode(Tensor x)
    {
        var (mu, logvar) = EncodeDistribution(x);
        logvar.Dispose();
        return mu;
    }

    /// <summary>Pixel probabilities in [0, 1], shaped like the input images.</summary>
    public Tensor Decode(Tensor z)
    {
        using var logits = DecodeLogits(z);
        return logits.sigmoid().view(ImageShape(z.shape[0]));
    }

    /// <summary>Deterministic reconstruction: decode the posterior mean.</summary>
    public override Tensor forward(Tensor x)
    {
        using var mu = Encode(x);
        return Decode(mu);
    }

    /// <summary>
    /// −ELBO per image, averaged over the batch: Σ_pixels BCE(logits, x) + KlWeight · KL(q(z|x) ‖ N(0, I)),
    /// with one reparameterised sample z. Metrics: "bce" and "kl" (nats per image).
    /// </summary>
    public LossOutput Loss(Tensor x)
    {
        var (mu, logvar) = EncodeDistribution(x);
        using (mu) using (logvar)
        using (var z = Gaussian.Reparameterize(mu, logvar))
        using (var logits = DecodeLogits(z))
        using (var target = x.flatten(1))
        using (var bce = nn.functional.binary_cross_entropy_with_logits(logits, target, reduction: Reduction.None).sum(1).mean())
        using (var kl = Gaussian.KlToStandardNormal(mu, logvar).mean())
        {
            var loss = bce + KlWeight * kl;
            return new LossOutput(loss, new Dictionary<string, Tensor> { ["bce"] = bce.detach(), ["kl"] = kl.detach() });
        }
    }

    /// <summary>Decodes n draws from the prior N(0, I).</summary>
    public Tensor Sample(int n)
    {
        using var z = randn(n, LatentSize, device: this.DeviceOf());
        return Decode(z);
    }

    long[] ImageShape(long n) => new[] { n }.Concat(_imageShape).ToArray();
}
