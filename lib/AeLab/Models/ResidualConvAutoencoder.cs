using AeLab.Core;
using AeLab.Models.Layers;
using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Models;

/// <summary>
/// The residual-block convolutional autoencoder of lesson 04 (the CelebA course model).
/// Encoder: four <see cref="ResidualBlock"/>s 3 → w → 2w → 4w → 8w (64 → 31 → 15 → 7 → 3 pixels), flatten,
/// Linear to a 128-d code. Decoder: Linear to 8w×4×4, per-sample normalisation, unflatten, four transposed
/// blocks 8w → 4w → 2w → w → 3 (4 → 9 → 19 → 39 → 79 pixels), nearest upsampling to 64, a 1×1 conv, Tanh.
/// The course uses w = 32 and 4 convs per side in each block.
/// Images come in and go out in [0,1]; inside, the network works in [-1,1] (Tanh output), as the course does.
/// </summary>
public sealed class ResidualConvAutoencoder : nn.Module<Tensor, Tensor>, IAutoencoder
{
    readonly Sequential encoder;
    readonly Sequential decoder;

    public int ImageSize { get; }
    public int LatentSize { get; }
    public long[] InputShape => new long[] { 3, ImageSize, ImageSize };
    public long[] LatentShape => new long[] { LatentSize };

    public ResidualConvAutoencoder(int latentSize = 128, int width = 32, int convsPerSide = 4, int imageSize = 64)
        : base(nameof(ResidualConvAutoencoder))
    {
        if (imageSize < 32) throw new ArgumentOutOfRangeException(nameof(imageSize), imageSize, "imageSize must be at least 32 (four stride-2 blocks).");
        if (width < 1 || latentSize < 1) throw new ArgumentException($"width and latentSize must be positive; got width {width}, latentSize {latentSize}.");
        ImageSize = imageSize;
        LatentSize = latentSize;
        int[] ch = { 3, width, 2 * width, 4 * width, 8 * width };

        int side = imageSize;
        for (int i = 0; i < 4; i++) side = (side - 3) / 2 + 1; // unpadded 3×3 stride-2 conv
        encoder = nn.Sequential(
            new ResidualBlock(ch[0], ch[1], true, convsPerSide),
            new ResidualBlock(ch[1], ch[2], true, convsPerSide),
            new ResidualBlock(ch[2], ch[3], true, convsPerSide),
            new ResidualBlock(ch[3], ch[4], true, convsPerSide),
            nn.Flatten(),
            nn.Linear(ch[4] * side * side, latentSize));

        decoder = nn.Sequential(
            nn.Linear(latentSize, ch[4] * 4 * 4),
            new RowNorm(),
            nn.Unflatten(1, new long[] { ch[4], 4, 4 }),
            new ResidualBlock(ch[4], ch[3], false, convsPerSide),
            new ResidualBlock(ch[3], ch[2], false, convsPerSide),
            new ResidualBlock(ch[2], ch[1], false, convsPerSide),
            new ResidualBlock(ch[1], ch[0], false, convsPerSide),
            nn.Upsample(size: new long[] { imageSize, imageSize }, mode: UpsampleMode.Nearest),
            new ReliableConv2d(3, 3, 1),
            nn.Tanh());
        RegisterComponents();
    }

    public Sequential Encoder => encoder;
    public Sequential DecoderNet => decoder;

    /// <summary>The encoder's weights (what the course's optimizer forgot).</summary>
    public IEnumerable<Parameter> EncoderParameters() => encoder.parameters();

    /// <summary>The decoder's weights (all the course's optimizer was given).</summary>
    public IEnumerable<Parameter> DecoderParameters() => decoder.parameters();

    /// <summary>[B,3,S,S] in [0,1] → [B, latent].</summary>
    public Tensor Encode(Tensor x)
    {
        if (x.dim() != 4 || x.shape[1] != 3 || x.shape[2] != ImageSize || x.shape[3] != ImageSize)
            throw new ArgumentException($"Expected images [B, 3, {ImageSize}, {ImageSize}]; got [{string.Join(", ", x.shape)}].", nameof(x));
        return encoder.forward(x * 2 - 1);
    }

    /// <summary>[B, latent] → images [B,3,S,S] in [0,1].</summary>
    public Tensor Decode(Tensor z) => (decoder.forward(z) + 1) / 2;

    public override Tensor forward(Tensor x) => Decode(Encode(x));

    /// <summary>Per-pixel MSE in [0,1] units (the course's MSE on [-1,1] images is 4× this number).</summary>
    public LossOutput Loss(Tensor x)
    {
        var mse = nn.functional.mse_loss(forward(x), x);
        return new LossOutput(mse, new Dictionary<string, Tensor> { ["mse"] = mse });
    }

    /// <summary>Decodes N(0, I) codes. The codes of real images are not N(0, I), so these are not faces: why a plain AE is no generator.</summary>
    public Tensor Sample(int n) => Decode(randn(n, LatentSize, device: this.DeviceOf()));
}
