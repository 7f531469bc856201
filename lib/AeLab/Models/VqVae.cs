using AeLab.Models.Quantization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AeLab.Models;

/// <summary>
/// A VQ-VAE (van den Oord et al., 2017): a conv encoder with a residual stack maps C×S×S images to a
/// <c>Dim</c>-channel map S/2ⁿ × S/2ⁿ (n = <c>downsamples</c> stride-2 convolutions); a quantiser
/// (<see cref="VectorQuantizer"/> or <see cref="EmaVectorQuantizer"/>) snaps each position to its nearest
/// code; a mirrored decoder (residual stack, nearest-neighbour upsampling + 3×3 convs) rebuilds the image.
/// The latent is a grid of integers (code indices): a prior over such grids (<see cref="PixelCnnPrior"/>)
/// turns the model into a generator.
/// </summary>
/// <remarks>
/// Loss = ‖x − dec(z + sg[z_q − z])‖² + β‖sg[z] − z_q‖² + γ‖z − sg[z_q]‖² (means over elements), as in the
/// course notes: β weighs the codebook term (unused by the EMA quantiser), γ the commitment term.
/// The decoder output is linear: train on images in [0, 1] and clamp for display.
/// </remarks>
public sealed class VqVae : nn.Module<Tensor, Tensor>, IAutoencoder
{
    readonly Sequential encoder, decoder;
    readonly nn.Module<Tensor, QuantizerOutput> quantizer;

    public int InChannels { get; }
    public int ImageSize { get; }
    public int Downsamples { get; }

    /// <summary>Side of the code map, ImageSize / 2^Downsamples.</summary>
    public int CodeSize => ImageSize >> Downsamples;

    /// <summary>The quantiser between encoder and decoder.</summary>
    public IQuantizer Quantizer => (IQuantizer)quantizer;

    /// <summary>β: weight of the codebook term ‖sg[z] − z_q‖².</summary>
    public double Beta { get; set; }

    /// <summary>γ: weight of the commitment term ‖z − sg[z_q]‖² (0.25 in the paper).</summary>
    public double Gamma { get; set; }

    /// <summary>A prior over code maps: n → indices [n, CodeSize, CodeSize]. Null: <see cref="Sample"/> draws codes uniformly.</summary>
    public Func<int, Tensor>? Prior { get; set; }

    /// <param name="inChannels">1 for Fashion-MNIST, 3 for RGB.</param>
    /// <param name="imageSize">Training image side; must be divisible by 2^downsamples.</param>
    /// <param name="quantizer">The quantiser; its Dim is the encoder's output width.</param>
    /// <param name="hidden">Width of the conv layers.</param>
    /// <param name="downsamples">Number of stride-2 stages (each halves the side).</param>
    /// <param name="residualBlocks">Blocks in each of the two residual stacks.</param>
    public VqVae(int inChannels, int imageSize, IQuantizer quantizer, int hidden = 64, int downsamples = 2,
        int residualBlocks = 2, double beta = 1.0, double gamma = 0.25) : base(nameof(VqVae))
    {
        if (inChannels < 1) throw new ArgumentOutOfRangeException(nameof(inChannels), inChannels, "inChannels must be at least 1.");
        if (downsamples < 1) throw new ArgumentOutOfRangeException(nameof(downsamples), downsamples, "downsamples must be at least 1.");
        if (imageSize < 1 || imageSize % (1 << downsamples) != 0)
            throw new ArgumentException($"imageSize {imageSize} must be divisible by 2^downsamples = {1 << downsamples}.", nameof(imageSize));
        // Measured here: at hidden = 16 (residual convs 16 → 8) libtorch's CPU conv backward turned gradients NaN
        // within a few steps; 32 and 64 trained cleanly.
        if (hidden < 32) throw new ArgumentOutOfRangeException(nameof(hidden), hidden, "hidden must be at least 32 (narrower convs hit libtorch's CPU conv-backward fault).");
        if (quantizer is not nn.Module<Tensor, QuantizerOutput> module)
            throw new ArgumentException("quantizer must be an nn.Module<Tensor, QuantizerOutput> (VectorQuantizer or EmaVectorQuantizer).", nameof(quantizer));
        InChannels = inChannels; ImageSize = imageSize; Downsamples = downsamples; Beta = beta; Gamma = gamma;
        this.quantizer = module;

        var enc = new List<nn.Module<Tensor, Tensor>>();
        int width = inChannels;
        for (int i = 0; i < downsamples; i++)
        {
            int next = i == downsamples - 1 ? hidden : hidden / 2;
            enc.Add(new ReliableConv2d(width, next, 4, stride: 2, padding: 1));
            enc.Add(nn.ReLU());
            width = next;
        }
        enc.Add(new ReliableConv2d(hidden, hidden, 3, padding: 1));
        enc.Add(new VqResidualStack(hidden, residualBlocks));
        enc.Add(new ReliableConv2d(hidden, quantizer.Dim, 1));
        encoder = nn.Sequential(enc);

        var dec = new List<nn.Module<Tensor, Tensor>>
        {
            new ReliableConv2d(quantizer.Dim, hidden, 3, padding: 1),
            new VqResidualStack(hidden, residualBlocks),
        };
        width = hidden;
        for (int i = 0; i < downsamples; i++)
        {
            bool last = i == downsamples - 1;
            int next = last ? inChannels : hidden / 2;
            dec.Add(nn.Upsample(scale_factor: new double[] { 2, 2 }, mode: UpsampleMode.Nearest));
            dec.Add(new ReliableConv2d(width, next, 3, padding: 1));
            if (!last) dec.Add(nn.ReLU());
            width = next;
        }
        decoder = nn.Sequential(dec);
        RegisterComponents();
    }

    /// <summary>Continuous encoder outputs z_e, [N, D, S/2ⁿ, S/2ⁿ].</summary>
    public Tensor EncodeContinuous(Tensor x)
    {
        CheckInput(x);
        return encoder.forward(x);
    }

    /// <summary>The quantiser's output for a batch (straight-through codes, indices, loss terms, perplexity).</summary>
    public QuantizerOutput Quantize(Tensor x)
    {
        using var z = EncodeContinuous(x);
        return quantizer.forward(z);
    }

    /// <summary>The quantised codes z_q [N, D, h, w] (what the decoder sees).</summary>
    public Tensor Encode(Tensor x)
    {
        var o = Quantize(x);
        o.Indices.Dispose(); o.CommitmentLoss.Dispose(); o.CodebookLoss.Dispose(); o.Perplexity.Dispose();
        return o.Quantized;
    }

    /// <summary>The code map: indices [N, h, w] int64.</summary>
    public Tensor EncodeIndices(Tensor x)
    {
        using var _ = no_grad();
        var o = Quantize(x);
        o.Quantized.Dispose(); o.CommitmentLoss.Dispose(); o.CodebookLoss.Dispose(); o.Perplexity.Dispose();
        return o.Indices;
    }

    /// <summary>Images from code vectors [N, D, h, w].</summary>
    public Tensor Decode(Tensor z) => decoder.forward(z);

    /// <summary>Images from a code map [N, h, w] int64.</summary>
    public Tensor DecodeIndices(Tensor indices)
    {
        using var z = Quantizer.Lookup(indices);
        return Decode(z);
    }

    public override Tensor forward(Tensor x)
    {
        using var z = Encode(x);
        return Decode(z);
    }

    /// <summary>recon + β·codebook + γ·commitment; metrics "mse", "codebook", "commitment", "perplexity".</summary>
    public LossOutput Loss(Tensor x)
    {
        var o = Quantize(x);
        using (o.Quantized) using (o.Indices) using (o.CommitmentLoss) using (o.CodebookLoss)
        using (var recon = Decode(o.Quantized))
        {
            var mse = nn.functional.mse_loss(recon, x);
            var loss = mse + Beta * o.CodebookLoss + Gamma * o.CommitmentLoss;
            return new LossOutput(loss, new Dictionary<string, Tensor>
            {
                ["mse"] = mse.detach(),
                ["codebook"] = o.CodebookLoss.detach(),
                ["commitment"] = o.CommitmentLoss.detach(),
                ["perplexity"] = o.Perplexity,
            });
        }
    }

    /// <summary>Decodes n code maps drawn from <see cref="Prior"/>, or uniformly at random when there is none
    /// (which shows why a VQ-VAE alone is not a generator).</summary>
    public Tensor Sample(int n)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "n must be at least 1.");
        using var _ = no_grad();
        var device = Quantizer.Codebook.device;
        using var indices = Prior?.Invoke(n) ?? randint(0, Quantizer.CodebookSize, new long[] { n, CodeSize, CodeSize }, device: device);
        return DecodeIndices(indices);
    }

    void CheckInput(Tensor x)
    {
        if (x.dim() != 4 || x.shape[1] != InChannels || x.shape[2] % (1 << Downsamples) != 0 || x.shape[3] % (1 << Downsamples) != 0)
            throw new ArgumentException(
                $"VqVae expects images [N, {InChannels}, H, W] with H and W divisible by {1 << Downsamples}; got [{string.Join(", ", x.shape)}]. " +
                "Resize the images or build the model with the right inChannels.", nameof(x));
    }
}
