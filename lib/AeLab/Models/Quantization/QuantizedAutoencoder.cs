using AeLab.Core;
using AeLab.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Models.Quantization;

/// <summary>
/// What every vector-quantised autoencoder shares (<see cref="VqVae"/>, <c>VqGanModel</c>): encoder outputs z_e are
/// snapped to their nearest codes by the quantiser, the decoder sees the codes, the latent is a grid of code
/// indices, and a prior over such grids (<see cref="IPrior"/>) makes it a generator. A model supplies its encoder,
/// decoder and reconstruction error; the quantising plumbing and the loss's quantiser terms live here.
/// </summary>
/// <remarks>
/// Loss = reconstruction + <see cref="CodebookWeight"/>·‖sg[z_e] − e‖² + <see cref="CommitmentWeight"/>·‖z_e − sg[e]‖²
/// (means over elements); with the EMA quantiser the codebook term is 0 (the codes follow moving averages instead).
/// </remarks>
public abstract class QuantizedAutoencoder : nn.Module<Tensor, Tensor>, IAutoencoder
{
    /// <summary>The quantiser between encoder and decoder (a registered submodule named "quantizer").</summary>
    protected readonly nn.Module<Tensor, QuantizerOutput> quantizer;

    protected QuantizedAutoencoder(string name, IQuantizer quantizer, int inChannels, int imageSize, int downsamples,
        double codebookWeight, double commitmentWeight) : base(name)
    {
        ArgumentNullException.ThrowIfNull(quantizer);
        if (quantizer is not nn.Module<Tensor, QuantizerOutput> module)
            throw new ArgumentException("quantizer must be an nn.Module<Tensor, QuantizerOutput> (VectorQuantizer or EmaVectorQuantizer).", nameof(quantizer));
        if (inChannels < 1) throw new ArgumentOutOfRangeException(nameof(inChannels), inChannels, "inChannels must be at least 1.");
        if (downsamples < 1) throw new ArgumentOutOfRangeException(nameof(downsamples), downsamples, "downsamples must be at least 1.");
        if (imageSize < 1 || imageSize % (1 << downsamples) != 0)
            throw new ArgumentException($"imageSize {imageSize} must be divisible by 2^downsamples = {1 << downsamples}.", nameof(imageSize));
        this.quantizer = module;
        InChannels = inChannels; ImageSize = imageSize; Downsamples = downsamples;
        CodebookWeight = codebookWeight; CommitmentWeight = commitmentWeight;
    }

    /// <summary>Image channels: 1 for Fashion-MNIST, 3 for RGB.</summary>
    public int InChannels { get; }

    /// <summary>The side of the training images (what <see cref="Sample"/> draws).</summary>
    public int ImageSize { get; }

    /// <summary>Number of stride-2 stages; each halves the side.</summary>
    public int Downsamples { get; }

    /// <summary>Side of the code map, ImageSize / 2^Downsamples.</summary>
    public int CodeSize => ImageSize >> Downsamples;

    public long[] InputShape => new long[] { InChannels, ImageSize, ImageSize };

    /// <summary>One image's code: a map of indices, [CodeSize, CodeSize].</summary>
    public long[] LatentShape => new long[] { CodeSize, CodeSize };

    /// <summary>The quantiser between encoder and decoder.</summary>
    public IQuantizer Quantizer => (IQuantizer)quantizer;

    /// <summary>Weight of the codebook term ‖sg[z_e] − e‖² (1 in the papers; unused by the EMA quantiser).</summary>
    public double CodebookWeight { get; set; }

    /// <summary>β, the weight of the commitment term ‖z_e − sg[e]‖² (0.25 in the papers).</summary>
    public double CommitmentWeight { get; set; }

    /// <summary>A prior over code maps for <see cref="Sample"/>; null draws the codes uniformly at random.</summary>
    public IPrior? Prior { get; set; }

    /// <summary>Continuous encoder outputs z_e, [N, D, h, w].</summary>
    public abstract Tensor EncodeContinuous(Tensor x);

    /// <summary>Images from code vectors [N, D, h, w].</summary>
    public abstract Tensor Decode(Tensor z);

    /// <summary>The reconstruction term of the loss; adds its metrics (e.g. "mse", "l1") to <paramref name="metrics"/>.</summary>
    protected abstract Tensor ReconstructionLoss(Tensor reconstruction, Tensor x, IDictionary<string, Tensor> metrics);

    /// <summary>Checks a batch of images against the model's channels and downsampling.</summary>
    protected void CheckInput(Tensor x)
    {
        int f = 1 << Downsamples;
        if (x.dim() != 4 || x.shape[1] != InChannels || x.shape[2] % f != 0 || x.shape[3] % f != 0)
            throw new ArgumentException(
                $"{GetType().Name} expects images [N, {InChannels}, H, W] with H and W divisible by {f}; got [{string.Join(", ", x.shape)}]. " +
                "Resize the images or build the model with the right inChannels.", nameof(x));
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

    /// <summary>The code maps of every image of <paramref name="batches"/>, in order: [N, h, w] int64 on the CPU (eval
    /// mode, no gradients; the model's mode is restored). This is what a prior trains on.</summary>
    public Tensor EncodeIndices(IEnumerable<Batch> batches)
    {
        ArgumentNullException.ThrowIfNull(batches);
        bool wasTraining = training;
        eval();
        var maps = new List<Tensor>();
        try
        {
            foreach (var batch in batches)
                using (NewDisposeScope())
                    maps.Add(EncodeIndices(batch.X).cpu().MoveToOuterDisposeScope());
            if (maps.Count == 0) throw new ArgumentException("The batches were empty: give a data loader with at least one batch.", nameof(batches));
            return cat(maps.ToArray());
        }
        finally
        {
            foreach (var m in maps) m.Dispose();
            train(wasTraining);
        }
    }

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

    /// <summary>Reconstruction and the quantiser's output in one pass (for losses that need both).</summary>
    public (Tensor Reconstruction, QuantizerOutput Quantized) Reconstruct(Tensor x)
    {
        var q = Quantize(x);
        return (Decode(q.Quantized), q);
    }

    /// <summary>The quantiser's terms of the loss: CodebookWeight·codebook + CommitmentWeight·commitment.</summary>
    public Tensor QuantizerLoss(QuantizerOutput q) => CodebookWeight * q.CodebookLoss + CommitmentWeight * q.CommitmentLoss;

    /// <summary>Reconstruction + quantiser terms; metrics: the reconstruction's, "codebook", "commitment", "perplexity".</summary>
    public LossOutput Loss(Tensor x)
    {
        var (recon, q) = Reconstruct(x);
        var metrics = new Dictionary<string, Tensor>();
        var loss = ReconstructionLoss(recon, x, metrics) + QuantizerLoss(q);
        metrics["codebook"] = q.CodebookLoss.detach();
        metrics["commitment"] = q.CommitmentLoss.detach();
        metrics["perplexity"] = q.Perplexity.detach();
        return new LossOutput(loss, metrics);
    }

    /// <summary>Decodes n code maps drawn from <see cref="Prior"/>, or uniformly at random when there is none
    /// (which shows why a VQ model alone is not a generator).</summary>
    public Tensor Sample(int n)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "n must be at least 1.");
        using var _ = no_grad();
        if (Prior is { } prior && prior.MapSize != (CodeSize, CodeSize))
            throw new InvalidOperationException($"The prior draws {prior.MapSize.Height}×{prior.MapSize.Width} code maps but this model's are {CodeSize}×{CodeSize}; build the prior for this model's code size.");
        using var indices = Prior?.Sample(n).to(this.DeviceOf())
            ?? randint(0, Quantizer.CodebookSize, new long[] { n, CodeSize, CodeSize }, device: this.DeviceOf());
        return DecodeIndices(indices);
    }
}
