using AeLab.Models.Layers;
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
/// Trained with reconstruction + codebook losses alone it is a VQ-VAE; <see cref="VqGanStep"/> adds the
/// perceptual and adversarial terms that make it a VQ-GAN. <see cref="QuantizedAutoencoder.Prior"/> (stage 2) makes it a generator.
/// </summary>
public sealed class VqGanModel : QuantizedAutoencoder
{
    readonly Sequential encoder, decoder;
    readonly Conv2d decoderOut;

    /// <param name="quantizer">A vector quantiser (<see cref="VectorQuantizer"/> or <see cref="EmaVectorQuantizer"/>); its Dim is the latent channel count.</param>
    /// <param name="channels">Channels at full resolution; doubled per downsampling up to 4×.</param>
    /// <param name="downsamples">Stride-2 stages: codes are images / 2^downsamples per side.</param>
    /// <param name="inChannels">3 for RGB, 1 for Fashion-MNIST.</param>
    /// <param name="imageSize">The training image side (what <see cref="QuantizedAutoencoder.Sample"/> draws).</param>
    /// <param name="commitmentWeight">β of the commitment term (taming, VQ-VAE: 0.25); the codebook term has weight 1.</param>
    public VqGanModel(IQuantizer quantizer, int channels = 32, int downsamples = 2, int inChannels = 3,
        int imageSize = 32, double commitmentWeight = 0.25)
        : base(nameof(VqGanModel), quantizer, inChannels, imageSize, downsamples, codebookWeight: 1.0, commitmentWeight)
    {
        if (channels < ConvChannels.Wide || channels % 8 != 0) throw new ArgumentOutOfRangeException(nameof(channels), channels, $"channels must be a multiple of 8 (GroupNorm uses 8 groups) and at least {ConvChannels.Wide} (narrower convolutions are unreliable here).");
        int Width(int level) => channels * Math.Min(1 << level, 4);
        var enc = new List<nn.Module<Tensor, Tensor>> { new ReliableConv2d(inChannels, channels, 3, padding: 1) };
        for (int i = 0; i < downsamples; i++)
        {
            enc.Add(new VqResBlock(Width(i), Width(i)));
            enc.Add(nn.Conv2d(Width(i), Width(i + 1), 4, stride: 2, padding: 1));
        }
        int top = Width(downsamples);
        enc.Add(new VqResBlock(top, top));
        enc.Add(VqResBlock.Norm(8, top)); enc.Add(nn.SiLU());
        enc.Add(new ReliableConv2d(top, quantizer.Dim, 1));
        encoder = nn.Sequential(enc);

        var dec = new List<nn.Module<Tensor, Tensor>> { new ReliableConv2d(quantizer.Dim, top, 3, padding: 1), new VqResBlock(top, top) };
        for (int i = downsamples; i > 0; i--)
        {
            dec.Add(nn.Upsample(scale_factor: new double[] { 2, 2 }, mode: UpsampleMode.Nearest));
            dec.Add(nn.Conv2d(Width(i), Width(i - 1), 3, padding: 1));
            dec.Add(new VqResBlock(Width(i - 1), Width(i - 1)));
        }
        dec.Add(VqResBlock.Norm(8, channels)); dec.Add(nn.SiLU());
        decoder = nn.Sequential(dec);
        // The RGB output layer computes 16 outputs with libtorch's fast convolution and keeps the first inChannels:
        // few-channel convolutions are wrong here (see ReliableConv2d; an 8→8 layer also turned NaN in a test) and the
        // im2col fallback is slow at full resolution. The unused outputs get zero gradient and cost little.
        decoderOut = nn.Conv2d(channels, Math.Max(inChannels, ConvChannels.Wide), 3, padding: 1);
        RegisterComponents();
    }

    /// <summary>The decoder's last layer weight: where the adaptive GAN weight compares gradients.</summary>
    public Parameter LastLayerWeight => decoderOut.weight!;

    public override Tensor EncodeContinuous(Tensor x)
    {
        CheckInput(x);
        return encoder.forward(x);
    }

    /// <summary>Images in [−1, 1] (not clamped) from code vectors [N, D, h, w].</summary>
    public override Tensor Decode(Tensor z) => decoderOut.forward(decoder.forward(z)).narrow(1, 0, InChannels);

    /// <summary>Mean absolute error (metric "l1"; "mse" is reported too).</summary>
    protected override Tensor ReconstructionLoss(Tensor reconstruction, Tensor x, IDictionary<string, Tensor> metrics)
    {
        var l1 = (reconstruction - x).abs().mean();
        metrics["l1"] = l1.detach();
        metrics["mse"] = (reconstruction - x).pow(2).mean().detach();
        return l1;
    }
}
