using AeLab.Core;
using AeLab.Models.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AeLab.Models.PixelCnn;

/// <summary>
/// An autoregressive prior over code maps (van den Oord et al., 2016, used as the VQ-VAE prior):
/// p(c) = Π_i p(c_i | c_&lt;i) in raster order. Tokens are embedded, then a 7×7 type-A masked conv and
/// residual blocks of 1×1 → masked 3×3 type-B → 1×1 convs give logits [B, K, H, W] for every position at once
/// (training is one pass; sampling is H·W passes, one position at a time). Unconditional (no class input).
/// </summary>
/// <remarks>
/// A plain PixelCNN stack has a blind spot (a wedge up and to the right that its receptive field misses,
/// which the gated two-stack version removes); on the small code maps here the 7×7 first layer covers most of it.
/// </remarks>
public sealed partial class PixelCnnPrior : nn.Module<Tensor, Tensor>, IPrior
{
    readonly Embedding embed;
    readonly MaskedConv2d input;
    readonly ModuleList<nn.Module<Tensor, Tensor>> blocks = new();
    readonly Sequential head;

    public int CodebookSize { get; }

    /// <summary>Height and width of the code maps it draws (the convolutions take any size).</summary>
    public (int Height, int Width) MapSize { get; }

    public PixelCnnPrior(int codebookSize, int height, int width, int channels = 64, int blocks = 6, int embedDim = 32) : base(nameof(PixelCnnPrior))
    {
        if (height < 1 || width < 1) throw new ArgumentException($"The code map size must be positive; got {height}×{width}.", nameof(height));
        MapSize = (height, width);
        if (codebookSize < 2) throw new ArgumentOutOfRangeException(nameof(codebookSize), codebookSize, "codebookSize must be at least 2.");
        if (channels < 8) throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be at least 8.");
        if (blocks < 0) throw new ArgumentOutOfRangeException(nameof(blocks), blocks, "blocks must be 0 or more.");
        CodebookSize = codebookSize;
        embed = nn.Embedding(codebookSize, embedDim);
        input = new MaskedConv2d(embedDim, channels, 7, typeA: true);
        for (int i = 0; i < blocks; i++)
            this.blocks.Add(nn.Sequential(
                nn.ReLU(), nn.Conv2d(channels, channels / 2, 1),
                nn.ReLU(), new MaskedConv2d(channels / 2, channels / 2, 3, typeA: false),
                nn.ReLU(), nn.Conv2d(channels / 2, channels, 1)));
        head = nn.Sequential(nn.ReLU(), nn.Conv2d(channels, channels, 1), nn.ReLU(), nn.Conv2d(channels, codebookSize, 1));
        RegisterComponents();
    }

    /// <summary>Token embeddings [B, E, H, W] for a code map [B, H, W].</summary>
    public Tensor Embed(Tensor indices)
    {
        if (indices.dim() != 3 || indices.dtype != ScalarType.Int64)
            throw new ArgumentException($"PixelCnnPrior expects code maps [B, H, W] int64; got [{string.Join(", ", indices.shape)}] {indices.dtype}.", nameof(indices));
        Expect.Indices(indices, CodebookSize, nameof(PixelCnnPrior), nameof(indices));
        using var e = embed.forward(indices);
        return e.permute(0, 3, 1, 2).contiguous();
    }

    /// <summary>Logits [B, K, H, W] from embeddings [B, E, H, W] (exposed so tests can differentiate through it).</summary>
    public Tensor Logits(Tensor embedded)
    {
        using var scope = NewDisposeScope();
        var h = input.forward(embedded);
        foreach (var block in blocks) h = h + block.forward(h);
        return head.forward(h).MoveToOuterDisposeScope();
    }

    /// <summary>Logits [B, K, H, W]: position i's logits depend only on codes before i in raster order.</summary>
    public override Tensor forward(Tensor indices)
    {
        using var e = Embed(indices);
        return Logits(e);
    }

    /// <summary>Mean cross-entropy per token in nats, −(1/BHW) Σ log p(c_i | c_&lt;i), of code maps [B, H, W] int64
    /// (or [B, 1, H, W], as a data loader carries them).</summary>
    public LossOutput Loss(Tensor codes)
    {
        var indices = ModuleExtensions.AsCodeMaps(codes);
        using var logits = forward(indices);
        return new LossOutput(nn.functional.cross_entropy(logits, indices));
    }

    /// <summary>Draws n code maps of <see cref="MapSize"/>, one position at a time in raster order.</summary>
    public Tensor Sample(int n) => Sample(n, 1.0);

    /// <summary>Draws n code maps of <see cref="MapSize"/>, one position at a time in raster order (temperature scales
    /// the logits). The draws are those of running the whole network on the whole map at every position, computed row by
    /// row instead (<see cref="RowSampler"/>): the same codes for a fraction of the work.</summary>
    public Tensor Sample(int n, double temperature)
    {
        var (height, width) = MapSize;
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "n must be at least 1.");
        if (temperature <= 0) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "temperature must be positive.");
        bool wasTraining = training;
        eval();
        try
        {
            using var _ = no_grad();
            var codes = zeros(new long[] { n, height, width }, dtype: int64, device: this.DeviceOf());
            using var rows = new RowSampler(this, n);
            for (int i = 0; i < height; i++)
            {
                if (i > 0) rows.Compute(codes, i - 1).Dispose();   // row i − 1 again, now that all its codes are drawn
                for (int j = 0; j < width; j++)
                    using (NewDisposeScope())
                    {
                        var logits = rows.Compute(codes, i)[.., .., 0, j] / temperature;   // [n, K]
                        codes[.., i, j] = multinomial(softmax(logits, 1), 1).squeeze(1);
                    }
            }
            return codes;
        }
        finally { train(wasTraining); }
    }
}
