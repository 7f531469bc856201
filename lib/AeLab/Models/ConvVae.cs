using AeLab.Core;
using AeLab.Models.Layers;
using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace AeLab.Models;

/// <summary>
/// The convolutional VAE of the Pokémon tutorial: three stride-2 conv blocks (Conv 3×3 → BatchNorm →
/// LeakyReLU(0.2)) take 3×S×S to 256×S/8×S/8; 1×1 convolutions give μ and logvar, a latent of
/// <c>latentChannels</c>×S/8×S/8 (4×64×64 at S = 512); the decoder mirrors it with a 1×1 transposed
/// convolution and three stride-2 transposed-conv blocks, then Tanh for images in [−1, 1].
/// </summary>
/// <remarks>
/// As in the source, the last decoder block also ends in BatchNorm + LeakyReLU before the Tanh.
/// Loss as in the source: MSE summed over the batch + KlWeight · KL summed over the batch (0.1 there).
/// <c>downsamples: 2</c> drops the deepest block on each side (64 and 128 channels): a latent of S/4 per side, for
/// small images where S/8 leaves too few latent pixels to describe a picture. <c>baseChannels</c> (64 in the source) sets the
/// widths, doubling at each stage (64, 128, 256); a smaller one gives a smaller model for small images (lesson 13: 28 px).
/// <c>smoothOutput</c> replaces the source's last transposed-convolution block, which draws a checkerboard into the
/// pixels, by that block at full width and a stride-1 3×3 convolution (lesson 13).
/// </remarks>
public sealed class ConvVae : Module<Tensor, Tensor>, IAutoencoder
{
    readonly Sequential encoder, decoder;
    readonly Conv2d fcMu, fcVar;
    readonly ConvTranspose2d decoderInput;

    public int InChannels { get; }

    /// <summary>Channels of the latent map (its side is the image side / <see cref="Downscale"/>).</summary>
    public int LatentChannels { get; }

    /// <summary>Stride-2 stages on each side (3 as in the source, or 2).</summary>
    public int Downsamples { get; }

    /// <summary>How many times smaller the latent's side is than the image's: 2^<see cref="Downsamples"/>.</summary>
    public int Downscale => 1 << Downsamples;

    /// <summary>The side of the images it is trained on, which <see cref="Sample"/> draws (the convolutions take any multiple of <see cref="Downscale"/>).</summary>
    public int ImageSize { get; }

    /// <summary>Channels of the first stage (each further stage doubles them): 64 in the source.</summary>
    public int BaseChannels { get; }

    /// <summary>The decoder ends in a stride-1 3×3 convolution to the pixels instead of the source's last transposed
    /// convolution block (no checkerboard; see the constructor).</summary>
    public bool SmoothOutput { get; }

    public long[] InputShape => new long[] { InChannels, ImageSize, ImageSize };
    public long[] LatentShape => new long[] { LatentChannels, ImageSize / Downscale, ImageSize / Downscale };

    /// <summary>Weight of the KL term in <see cref="Loss"/> (the source uses 0.1).</summary>
    public double KlWeight { get; set; }

    public ConvVae(int inChannels = 3, int latentChannels = 4, double klWeight = 0.1, int imageSize = 128, int downsamples = 3, int baseChannels = 64, bool smoothOutput = false) : base(nameof(ConvVae))
    {
        if (downsamples is not (2 or 3)) throw new ArgumentOutOfRangeException(nameof(downsamples), downsamples, "downsamples must be 3 (the source's S/8 latent) or 2 (S/4).");
        int reduction = 1 << downsamples;
        if (imageSize < reduction || imageSize % reduction != 0) throw new ArgumentOutOfRangeException(nameof(imageSize), imageSize, $"imageSize must be a positive multiple of {reduction} ({downsamples} stride-2 stages).");
        if (inChannels < 1) throw new ArgumentOutOfRangeException(nameof(inChannels), inChannels, "inChannels must be at least 1.");
        if (latentChannels < 1) throw new ArgumentOutOfRangeException(nameof(latentChannels), latentChannels, "latentChannels must be at least 1.");
        if (baseChannels < 1) throw new ArgumentOutOfRangeException(nameof(baseChannels), baseChannels, "baseChannels must be at least 1.");
        InChannels = inChannels;
        ImageSize = imageSize;
        LatentChannels = latentChannels;
        Downsamples = downsamples;
        KlWeight = klWeight;
        BaseChannels = baseChannels;
        long w = baseChannels, deepest = downsamples == 3 ? 4 * w : 2 * w;
        encoder = downsamples == 3
            ? Sequential(ConvBlock(inChannels, w), ConvBlock(w, 2 * w), ConvBlock(2 * w, 4 * w))
            : Sequential(ConvBlock(inChannels, w), ConvBlock(w, 2 * w));
        fcMu = Conv2d(deepest, latentChannels, 1);
        fcVar = Conv2d(deepest, latentChannels, 1);
        decoderInput = ConvTranspose2d(latentChannels, deepest, 1);
        SmoothOutput = smoothOutput;
        // The source's last block makes the pixels with a stride-2 transposed 3×3 convolution, whose kernel overlaps
        // unevenly: every other pixel gets a different number of terms, a checkerboard (Odena, Dumoulin & Olah 2016,
        // "Deconvolution and Checkerboard Artifacts"). smoothOutput keeps that block at w channels and makes the pixels
        // with a stride-1 3×3 convolution after it, which sees every pixel alike.
        var last = smoothOutput
            ? Sequential(UpBlock(w, w), Conv2d(w, inChannels, 3, padding: 1))
            : UpBlock(w, inChannels);
        decoder = downsamples == 3
            ? Sequential(UpBlock(4 * w, 2 * w), UpBlock(2 * w, w), last)
            : Sequential(UpBlock(2 * w, w), last);
        RegisterComponents();
    }

    static Sequential ConvBlock(long cin, long cout) => Sequential(
        Conv2d(cin, cout, 3, stride: 2, padding: 1), new LayoutBatchNorm2d(cout), LeakyReLU(0.2));

    static Sequential UpBlock(long cin, long cout) => Sequential(
        ConvTranspose2d(cin, cout, 3, stride: 2, padding: 1, output_padding: 1), new LayoutBatchNorm2d(cout), LeakyReLU(0.2));

    /// <summary>q(z|x) = N(μ, diag exp(logvar)), each [N, latentChannels, S/r, S/r] with r = <see cref="Downscale"/>.</summary>
    public (Tensor Mu, Tensor Logvar) EncodeDistribution(Tensor x)
    {
        CheckInput(x);
        using var xl = Layouts.ChannelsLast(x);
        using var h = encoder.forward(xl);
        using var mu = fcMu.forward(h);
        using var logvar = fcVar.forward(h);
        return (mu.contiguous(), logvar.contiguous());
    }

    /// <summary>The posterior mean μ.</summary>
    public Tensor Encode(Tensor x)
    {
        var (mu, logvar) = EncodeDistribution(x);
        logvar.Dispose();
        return mu;
    }

    /// <summary>Images in [−1, 1], [N, C, r·h, r·w] for a latent [N, latentChannels, h, w], r = <see cref="Downscale"/>.</summary>
    public Tensor Decode(Tensor z)
    {
        using var zl = Layouts.ChannelsLast(z);
        using var h = decoderInput.forward(zl);
        using var y = decoder.forward(h);
        using var t = y.tanh();
        return t.contiguous();
    }

    /// <summary>Reconstruction through one reparameterised sample, as the source's forward does.</summary>
    public override Tensor forward(Tensor x)
    {
        var (mu, logvar) = EncodeDistribution(x);
        using (mu) using (logvar)
        using (var z = Gaussian.Reparameterize(mu, logvar))
            return Decode(z);
    }

    /// <summary>
    /// MSE(sum) + KlWeight · KL(sum) over the batch. Metrics as the source monitors them:
    /// "mse_px" and "kl_px" (each divided by N·C·H·W) and "kl" (per image).
    /// </summary>
    public LossOutput Loss(Tensor x)
    {
        var (mu, logvar) = EncodeDistribution(x);
        using (mu) using (logvar)
        using (var z = Gaussian.Reparameterize(mu, logvar))
        using (var recon = Decode(z))
        using (var mse = nn.functional.mse_loss(recon, x, reduction: Reduction.Sum))
        using (var klPerImage = Gaussian.KlToStandardNormal(mu, logvar))
        using (var kl = klPerImage.sum())
        {
            double pixels = x.numel();
            var loss = mse + KlWeight * kl;
            return new LossOutput(loss, new Dictionary<string, Tensor>
            {
                ["mse_px"] = (mse / pixels).detach(),
                ["kl_px"] = (kl / pixels).detach(),
                ["kl"] = klPerImage.mean().detach(),
            });
        }
    }

    /// <summary>Decodes n draws from N(0, I) at the latent size of <see cref="ImageSize"/>-pixel images.</summary>
    public Tensor Sample(int n)
    {
        using var z = randn(n, LatentChannels, ImageSize / Downscale, ImageSize / Downscale, device: this.DeviceOf());
        return Decode(z);
    }

    void CheckInput(Tensor x)
    {
        if (x.dim() != 4 || x.shape[1] != InChannels || x.shape[2] % Downscale != 0 || x.shape[3] % Downscale != 0)
            throw new ArgumentException(
                $"ConvVae expects images [N, {InChannels}, H, W] with H and W multiples of {Downscale}; got [{string.Join(", ", x.shape)}]. " +
                "Resize the images (e.g. Pokemon.Load(size: 128)) or build the model with the right inChannels.", nameof(x));
    }
}
