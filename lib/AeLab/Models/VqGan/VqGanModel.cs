using AeLab.Models.Quantization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AeLab.Models.VqGan;

/// <summary>
/// The VQ-GAN autoencoder (Esser et al. 2021, taming-transformers), scaled down for a CPU: a convolutional
/// encoder of residual blocks (GroupNorm, SiLU) that halves the image <c>downsamples</c> times, a vector
/// quantiser (any <see cref="IQuantizer"/>: lesson 09's plain or EMA codebook) that snaps every latent pixel to
/// its nearest code, and a mirrored decoder with nearest-neighbour upsampling. Images are in [−1, 1].
/// Trained with reconstruction + codebook losses alone it is a VQ-VAE; <see cref="VqGanTrainer"/> adds the
/// perceptual and adversarial terms that make it a VQ-GAN. <see cref="Prior"/> (stage 2) makes it a generator.
/// </summary>
public sealed class VqGanModel : nn.Module<Tensor, Tensor>, IAutoencoder
{
    readonly Sequential encoder, decoder;
    readonly Conv2d decoderOut;
    readonly nn.Module<Tensor, QuantizerOutput> quantizer;

    /// <summary>Narrowest convolution the model uses with libtorch's own kernel.</summary>
    public const int WideChannels = 16;

    public int ImageChannels { get; }
    public int Downsamples { get; }

    /// <summary>Side length used by <see cref="Sample(int)"/> when no prior fixes the code map size.</summary>
    public int ImageSize { get; }

    /// <summary>β of the commitment term ‖z − sg[z_q]‖² in <see cref="Loss"/> (taming, VQ-VAE: 0.25).</summary>
    public double CommitmentWeight { get; set; }

    public IQuantizer Quantizer => (IQuantizer)quantizer;

    /// <summary>The stage-2 prior over code maps; <see cref="Sample(int)"/> decodes its samples. Not part of this module's weights.</summary>
    public MaskGitPrior? Prior { get; set; }

    /// <param name="quantizer">A vector quantiser: nn.Module&lt;Tensor, QuantizerOutput&gt; and <see cref="IQuantizer"/>; its Dim is the latent channel count.</param>
    /// <param name="channels">Channels at full resolution; doubled per downsampling up to 4×.</param>
    /// <param name="downsamples">Stride-2 stages: codes are images / 2^downsamples per side.</param>
    /// <param name="imageChannels">3 for RGB.</param>
    /// <param name="imageSize">Image side for <see cref="Sample(int)"/>.</param>
    public VqGanModel(nn.Module<Tensor, QuantizerOutput> quantizer, int channels = 32, int downsamples = 2, int imageChannels = 3,
        int imageSize = 32, double commitmentWeight = 0.25) : base(nameof(VqGanModel))
    {
        ArgumentNullException.ThrowIfNull(quantizer);
        if (quantizer is not IQuantizer q)
            throw new ArgumentException($"The quantizer must implement IQuantizer (VectorQuantizer or EmaVectorQuantizer); got {quantizer.GetType().Name}.", nameof(quantizer));
        if (channels < WideChannels || channels % 8 != 0) throw new ArgumentOutOfRangeException(nameof(channels), channels, $"channels must be a multiple of 8 (GroupNorm uses 8 groups) and at least {WideChannels} (narrower convolutions are unreliable here).");
        if (downsamples < 1) throw new ArgumentOutOfRangeException(nameof(downsamples), downsamples, "downsamples must be at least 1.");
        if (imageSize % (1 << downsamples) != 0) throw new ArgumentException($"imageSize {imageSize} must be a multiple of 2^downsamples = {1 << downsamples}.", nameof(imageSize));
        ImageChannels = imageChannels; Downsamples = downsamples; ImageSize = imageSize; CommitmentWeight = commitmentWeight;
        this.quantizer = quantizer;

        int Width(int level) => channels * Math.Min(1 << level, 4);
        var enc = new List<nn.Module<Tensor, Tensor>> { new ReliableConv2d(imageChannels, channels, 3, padding: 1) };
        for (int i = 0; i < downsamples; i++)
        {
            enc.Add(new VqResBlock(Width(i), Width(i)));
            enc.Add(nn.Conv2d(Width(i), Width(i + 1), 4, stride: 2, padding: 1));
        }
        int top = Width(downsamples);
        enc.Add(new VqResBlock(top, top));
        enc.Add(VqResBlock.Norm(8, top)); enc.Add(nn.SiLU());
        enc.Add(new ReliableConv2d(top, q.Dim, 1));
        encoder = nn.Sequential(enc);

        var dec = new List<nn.Module<Tensor, Tensor>> { new ReliableConv2d(q.Dim, top, 3, padding: 1), new VqResBlock(top, top) };
        for (int i = downsamples; i > 0; i--)
        {
            dec.Add(nn.Upsample(scale_factor: new double[] { 2, 2 }, mode: UpsampleMode.Nearest));
            dec.Add(nn.Conv2d(Width(i), Width(i - 1), 3, padding: 1));
            dec.Add(new VqResBlock(Width(i - 1), Width(i - 1)));
        }
        dec.Add(VqResBlock.Norm(8, channels)); dec.Add(nn.SiLU());
        decoder = nn.Sequential(dec);
        // The RGB output layer computes 16 outputs with libtorch's fast convolution and keeps the first imageChannels:
        // few-channel convolutions are wrong here (see ReliableConv2d; an 8→8 layer also turned NaN in a test) and the
        // im2col fallback is slow at full resolution. The unused outputs get zero gradient and cost little.
        decoderOut = nn.Conv2d(channels, Math.Max(imageChannels, WideChannels), 3, padding: 1);
        RegisterComponents();
    }

    /// <summary>The decoder's last layer weight: where the adaptive GAN weight compares gradients.</summary>
    public Parameter LastLayerWeight => decoderOut.weight!;

    /// <summary>Code map side for images of side <paramref name="imageSize"/>.</summary>
    public int CodeSize(int imageSize) => imageSize >> Downsamples;

    /// <summary>Continuous latents before quantisation, [B, D, H/2^s, W/2^s].</summary>
    public Tensor EncodeContinuous(Tensor x)
    {
        int f = 1 << Downsamples;
        if (x.dim() != 4 || x.shape[1] != ImageChannels || x.shape[2] % f != 0 || x.shape[3] % f != 0)
            throw new ArgumentException($"VqGanModel expects images [B, {ImageChannels}, H, W] with H and W multiples of {f}; got [{string.Join(", ", x.shape)}].", nameof(x));
        return encoder.forward(x);
    }

    /// <summary>Encoder + quantiser: the straight-through quantised latents and the quantiser's losses and indices.</summary>
    public QuantizerOutput Quantize(Tensor x) => quantizer.forward(EncodeContinuous(x));

    /// <summary>Quantised latents [B, D, h, w].</summary>
    public Tensor Encode(Tensor x) => Quantize(x).Quantized;

    /// <summary>Code indices [B, h, w] (int64): the tokens stage 2 models.</summary>
    public Tensor EncodeIndices(Tensor x) => Quantize(x).Indices;

    /// <summary>Images [B, C, H, W] (about [−1, 1]; not squashed, as in taming) from latents [B, D, h, w].</summary>
    public Tensor Decode(Tensor z) => decoderOut.forward(decoder.forward(z)).narrow(1, 0, ImageChannels);

    /// <summary>Images from code maps [B, h, w].</summary>
    public Tensor DecodeIndices(Tensor indices) => Decode(Quantizer.Lookup(indices));

    /// <summary>Reconstruction of x through the codebook.</summary>
    public override Tensor forward(Tensor x) => Decode(Encode(x));

    /// <summary>Reconstruction and quantiser output in one pass (what the training steps use).</summary>
    public (Tensor Reconstruction, QuantizerOutput Quantized) Reconstruct(Tensor x)
    {
        var q = Quantize(x);
        return (Decode(q.Quantized), q);
    }

    /// <summary>The quantiser's training term: codebook loss + β · commitment loss (the codebook loss is 0 for an EMA codebook).</summary>
    public Tensor QuantizerLoss(QuantizerOutput q) => q.CodebookLoss + CommitmentWeight * q.CommitmentLoss;

    /// <summary>
    /// The VQ-VAE loss: L1 reconstruction (taming's pixel term) + quantiser loss. Metrics "l1", "mse" and
    /// "perplexity" (of the codes in the batch).
    /// </summary>
    public LossOutput Loss(Tensor x)
    {
        var (recon, q) = Reconstruct(x);
        var l1 = (recon - x).abs().mean();
        var loss = l1 + QuantizerLoss(q);
        return new LossOutput(loss, new Dictionary<string, Tensor>
        {
            ["l1"] = l1.detach(),
            ["mse"] = (recon - x).pow(2).mean().detach(),
            ["perplexity"] = q.Perplexity.detach(),
        });
    }

    /// <summary>
    /// Decodes <paramref name="n"/> code maps drawn by <see cref="Prior"/>; without a prior, code maps of uniformly
    /// random codes (which is why a VQ autoencoder alone is not a generator).
    /// </summary>
    public Tensor Sample(int n)
    {
        Tensor codes;
        if (Prior is not null) codes = Prior.Sample(n);
        else
        {
            int s = CodeSize(ImageSize);
            codes = randint(0, Quantizer.CodebookSize, new long[] { n, s, s }, device: LastLayerWeight.device);
        }
        using var _ = no_grad();
        return DecodeIndices(codes);
    }
}
