using AeLab.Core;
using AeLab.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Models.Diffusion;

/// <summary>
/// A latent diffusion model (Rombach, Blattmann, Lorenz, Esser &amp; Ommer 2022, "High-Resolution Image Synthesis with
/// Latent Diffusion Models"): a trained autoencoder's latent space, scaled to unit variance, with a diffusion prior
/// over it (<see cref="Diffusion.Denoiser"/>). To draw images: DDIM (or DDPM) draws latents z, the decoder maps
/// z / <see cref="LatentScale"/> to images.
/// </summary>
/// <remarks>
/// The scale is 1 / the standard deviation of the autoencoder's latents (for a VAE, its posterior means) over the
/// training images, as Stable Diffusion's 0.18215 was computed for its autoencoder; it is a buffer of this module, so
/// a checkpoint of it holds the denoiser's weights and the scale, and not the autoencoder, which has checkpoints of
/// its own. The autoencoder is held for its encoder and decoder only (always run in eval mode, without gradients).
/// Training (<see cref="ITrainable"/>): batches of unscaled latents, the denoiser's ε-prediction loss on them × scale.
/// </remarks>
public sealed class LatentDiffusion : nn.Module<Tensor, Tensor>, ITrainable
{
    readonly Denoiser denoiser;
    readonly Tensor scale;
    readonly Func<Tensor, Tensor> encode, decode;

    /// <summary>The diffusion prior over the scaled latents.</summary>
    public Denoiser Denoiser => denoiser;

    /// <summary>The factor latents are multiplied by before the prior sees them (1 / their standard deviation).</summary>
    public double LatentScale => scale.item<float>();

    /// <summary>The autoencoder whose latents the prior models (its weights are not part of this module's).</summary>
    public IAutoencoder Autoencoder { get; }

    /// <summary>The shape of one latent: the autoencoder's, which the denoiser was built for.</summary>
    public long[] LatentShape => denoiser.MapShape;

    /// <param name="autoencoder">The trained autoencoder (an <c>nn.Module</c>) whose latents the prior models.</param>
    /// <param name="denoiser">A denoiser built for the autoencoder's latent shape.</param>
    /// <param name="latentScale">1 / std of the training latents (<see cref="ScaleOf"/>); a checkpoint's value replaces it on load.</param>
    public LatentDiffusion(IAutoencoder autoencoder, Denoiser denoiser, double latentScale = 1.0) : base(nameof(LatentDiffusion))
    {
        ArgumentNullException.ThrowIfNull(autoencoder);
        this.denoiser = denoiser ?? throw new ArgumentNullException(nameof(denoiser));
        if (autoencoder is not nn.Module module)
            throw new ArgumentException($"{autoencoder.GetType().Name} must be an nn.Module (the course's models are).", nameof(autoencoder));
        if (!autoencoder.LatentShape.SequenceEqual(denoiser.MapShape))
            throw Expect.Mismatch(nameof(LatentDiffusion), nameof(denoiser), $"built for the autoencoder's latents [{string.Join(", ", autoencoder.LatentShape)}]",
                $"one built for [{string.Join(", ", denoiser.MapShape)}]",
                $"Build it as new Denoiser({autoencoder.LatentShape[0]}, {(autoencoder.LatentShape.Length > 1 ? autoencoder.LatentShape[1] : 1)}, " +
                $"{(autoencoder.LatentShape.Length > 2 ? autoencoder.LatentShape[2] : 1)}, schedule).");
        scale = tensor((float)CheckScale(latentScale));
        encode = x => InEval(module, () => autoencoder.Encode(x));
        decode = z => InEval(module, () => autoencoder.Decode(z));
        RegisterComponents();
        Autoencoder = autoencoder;   // after registering: the autoencoder's weights are not this module's (see remarks)
    }

    static Tensor InEval(nn.Module module, Func<Tensor> run)
    {
        bool wasTraining = module.training;
        module.eval();
        try
        {
            using var _ = no_grad();
            return run();
        }
        finally { module.train(wasTraining); }
    }

    /// <summary>Sets the scale (<see cref="ScaleOf"/> of the training latents) when the model was built before its latents
    /// were encoded: a model that loads its checkpoint takes the scale from it, so the training latents need to be
    /// encoded only when it trains (lessons 12 and 13).</summary>
    public void SetScale(double latentScale)
    {
        using var _ = no_grad();
        scale.fill_(CheckScale(latentScale));
    }

    static double CheckScale(double latentScale) =>
        latentScale > 0 && !double.IsInfinity(latentScale) ? latentScale
            : throw new ArgumentOutOfRangeException(nameof(latentScale), latentScale, "latentScale must be a positive number (1 / the latents' standard deviation).");

    /// <summary>1 / the standard deviation of all numbers of <paramref name="latents"/> [N, C, H, W] (N ≥ 2), as Stable Diffusion scales its latents.</summary>
    public static double ScaleOf(Tensor latents)
    {
        ArgumentNullException.ThrowIfNull(latents);
        if (latents.dim() < 2 || latents.shape[0] < 2)
            throw Expect.Mismatch(nameof(LatentDiffusion), nameof(latents), "as a batch of at least two latents [N, …]", Expect.ShapeOf(latents),
                "Encode the training images (or a large share of them) first.");
        double std = latents.detach().to(float64).std().item<double>();
        if (!(std > 0) || double.IsInfinity(std))
            throw new ArgumentException($"The latents' standard deviation is {std}: there is nothing to scale (are they all equal?).", nameof(latents));
        return 1 / std;
    }

    /// <summary>
    /// The latents the prior is trained on: <paramref name="autoencoder"/>'s <see cref="IAutoencoder.Encode"/> (for a VAE,
    /// the posterior means μ(x)) of every image of <paramref name="images"/>, unscaled, in batches of <paramref name="batch"/>
    /// on the autoencoder's device, in eval mode without gradients; returned on the CPU [N, …latent shape].
    /// </summary>
    public static Tensor PosteriorMeans(IAutoencoder autoencoder, ImageDataset images, int batch = 1000)
    {
        ArgumentNullException.ThrowIfNull(autoencoder);
        ArgumentNullException.ThrowIfNull(images);
        if (autoencoder is not nn.Module module)
            throw new ArgumentException($"{autoencoder.GetType().Name} must be an nn.Module (the course's models are).", nameof(autoencoder));
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch must be at least 1.");
        if (images.Count == 0) throw new ArgumentException("There are no images to encode.", nameof(images));
        var parts = new List<Tensor>();
        foreach (var b in new DataLoader(images, batch, shuffle: false, device: module.DeviceOf()))
            parts.Add(InEval(module, () => autoencoder.Encode(b.X)).cpu());
        var all = cat(parts.ToArray());
        foreach (var p in parts) p.Dispose();
        return all;
    }

    /// <summary>The scaled latents z = scale · μ(x) the prior models, for images x in the autoencoder's range.</summary>
    public Tensor EncodeLatents(Tensor images)
    {
        using var mu = encode(images);
        return mu * scale.to(mu.device);
    }

    /// <summary>Images for scaled latents z: the decoder's output for z / scale.</summary>
    public Tensor DecodeLatents(Tensor z)
    {
        ArgumentNullException.ThrowIfNull(z);
        denoiser.CheckMaps(z, nameof(z));
        using var unscaled = z / scale.to(z.device);
        return decode(unscaled);
    }

    /// <summary>The autoencoder's reconstruction of <paramref name="images"/> through the latent the prior models
    /// (for a VAE, the decoder of the posterior mean; the scale cancels).</summary>
    public Tensor Reconstruct(Tensor images)
    {
        using var mu = encode(images);
        return decode(mu);
    }

    /// <summary>The scaled latents of <paramref name="images"/> (<see cref="EncodeLatents"/>).</summary>
    public override Tensor forward(Tensor images) => EncodeLatents(images);

    /// <summary>The denoiser's loss on unscaled latents [B, C, H, W] (e.g. a VAE's posterior means), multiplied by the scale first.</summary>
    public LossOutput Loss(Tensor latents)
    {
        denoiser.CheckMaps(latents, nameof(latents));
        using var scaled = latents * scale.to(latents.device);
        return denoiser.Loss(scaled);
    }

    /// <summary>The loss on a batch of unscaled latents (what the trainer calls).</summary>
    public LossOutput Loss(Batch batch) => Loss(batch.X);

    /// <summary><paramref name="n"/> images, from latents drawn by DDIM in 50 steps (η = 0).</summary>
    public Tensor Sample(int n) => Sample(n, steps: 50);

    /// <summary><paramref name="n"/> images, from latents drawn by DDIM in <paramref name="steps"/> steps.</summary>
    public Tensor Sample(int n, int steps, double eta = 0)
    {
        using var z = denoiser.SampleDdim(n, steps, eta);
        return DecodeLatents(z);
    }

    /// <summary><paramref name="n"/> images, from latents drawn by DDPM's ancestral sampler (all T steps).</summary>
    public Tensor SampleDdpm(int n)
    {
        using var z = denoiser.SampleDdpm(n);
        return DecodeLatents(z);
    }
}
