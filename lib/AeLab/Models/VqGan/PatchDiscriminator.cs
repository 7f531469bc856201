using AeLab.Models.Layers;
using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Models.VqGan;

/// <summary>
/// The PatchGAN discriminator of pix2pix and taming-transformers (their NLayerDiscriminator): stride-2 4×4
/// convolutions with BatchNorm and LeakyReLU(0.2), one stride-1 layer, and a 1-channel 4×4 convolution. It
/// outputs a grid of logits, one per overlapping patch, instead of one per image: each logit judges whether
/// its patch (receptive field 70 px with 3 layers) looks real, which is what pushes the decoder towards
/// sharp local texture.
/// </summary>
public sealed class PatchDiscriminator : nn.Module<Tensor, Tensor>
{
    readonly ModuleList<nn.Module<Tensor, Tensor>> blocks;

    public int Layers { get; }

    /// <param name="inChannels">Image channels (3 for RGB).</param>
    /// <param name="baseChannels">Channels of the first layer (taming: 64); doubled per layer up to 8×.</param>
    /// <param name="layers">Stride-2 layers after the first (taming: 3). Each halves the patch grid.</param>
    /// <param name="batchNorm">BatchNorm after the hidden convolutions, as taming. Real images and reconstructions go
    /// through the discriminator as separate batches, so each batch is normalised by its own statistics, which hides
    /// a difference the two batches share (all reconstructions a little blurred, a little off in colour); false drops
    /// the normalisation.</param>
    public PatchDiscriminator(int inChannels = 3, int baseChannels = 64, int layers = 3, bool batchNorm = true) : base(nameof(PatchDiscriminator))
    {
        if (inChannels < 1) throw new ArgumentOutOfRangeException(nameof(inChannels), inChannels, "inChannels must be at least 1.");
        if (baseChannels < 1) throw new ArgumentOutOfRangeException(nameof(baseChannels), baseChannels, "baseChannels must be at least 1.");
        if (layers < 0) throw new ArgumentOutOfRangeException(nameof(layers), layers, "layers must be 0 or more.");
        Layers = layers;
        var list = new List<nn.Module<Tensor, Tensor>>
        {
            nn.Sequential(nn.Conv2d(inChannels, baseChannels, 4, stride: 2, padding: 1), nn.LeakyReLU(0.2)),
        };
        int mult = 1;
        for (int n = 1; n <= layers; n++)
        {
            int prev = mult;
            mult = Math.Min(1 << n, 8);
            // The last of these is stride 1, as in the reference: more depth without shrinking the grid further.
            int stride = n == layers ? 1 : 2;
            list.Add(batchNorm
                ? nn.Sequential(nn.Conv2d(baseChannels * prev, baseChannels * mult, 4, stride: stride, padding: 1, bias: false),
                                nn.BatchNorm2d(baseChannels * mult), nn.LeakyReLU(0.2))
                : nn.Sequential(nn.Conv2d(baseChannels * prev, baseChannels * mult, 4, stride: stride, padding: 1), nn.LeakyReLU(0.2)));
        }
        list.Add(nn.Conv2d(baseChannels * mult, 1, 4, stride: 1, padding: 1));
        blocks = nn.ModuleList(list.ToArray());
        RegisterComponents();
        Initialize();
    }

    /// <summary>DCGAN initialisation as in the reference: conv weights N(0, 0.02), BatchNorm scale N(1, 0.02), shift 0.</summary>
    void Initialize()
    {
        using var _ = no_grad();
        foreach (var (name, p) in named_parameters())
        {
            bool norm = IsBatchNorm(name);
            if (name.EndsWith("weight") && !norm) p.normal_(0, 0.02);
            else if (name.EndsWith("weight")) p.normal_(1, 0.02);
            else if (name.EndsWith("bias")) p.zero_();
        }
    }

    bool IsBatchNorm(string parameterName)
    {
        var module = parameterName[..parameterName.LastIndexOf('.')];
        return named_modules().Any(m => m.name == module && m.module is BatchNorm2d);
    }

    /// <summary>Patch logits [B, 1, h, w] (positive: "real").</summary>
    public override Tensor forward(Tensor x) => Features(x).Logits;

    /// <summary>
    /// Patch logits plus the activations after each hidden block (for feature matching): the discriminator
    /// learns which features separate real from generated images, so matching them is a learned perceptual
    /// distance that needs no pretrained network.
    /// </summary>
    public (Tensor Logits, IReadOnlyList<Tensor> Features) Features(Tensor x)
    {
        if (x.dim() != 4) throw new ArgumentException($"PatchDiscriminator expects images [B, C, H, W]; got [{string.Join(", ", x.shape)}].", nameof(x));
        var features = new List<Tensor>();
        var h = x;
        for (int i = 0; i < blocks.Count - 1; i++)
        {
            h = blocks[i].forward(h);
            features.Add(h);
        }
        return (blocks[blocks.Count - 1].forward(h), features);
    }
}
