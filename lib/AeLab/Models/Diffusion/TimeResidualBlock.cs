using AeLab.Models.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AeLab.Models.Diffusion;

/// <summary>
/// The residual block of the DDPM U-Net (Ho et al. 2020, after Wide ResNets): GroupNorm → SiLU → 3×3 conv, plus the
/// step's embedding projected to one number per channel and added to every pixel, then GroupNorm → SiLU → 3×3 conv;
/// the input comes back through the shortcut (a 1×1 conv when the channel count changes). The second conv starts at
/// zero, so every block starts as the identity.
/// </summary>
public sealed class TimeResidualBlock : nn.Module<Tensor, Tensor, Tensor>
{
    readonly GroupNorm norm1, norm2;
    readonly Conv2d conv1, conv2;
    readonly Linear time;
    readonly Conv2d? shortcut;

    public int InChannels { get; }
    public int OutChannels { get; }

    public TimeResidualBlock(int inChannels, int outChannels, int timeDim, int groups = 8) : base(nameof(TimeResidualBlock))
    {
        if (inChannels < 1 || outChannels < 1) throw new ArgumentException($"Channel counts must be positive; got {inChannels} → {outChannels}.");
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"GroupNorm with {groups} groups needs channel counts divisible by {groups}; got {inChannels} → {outChannels}.", nameof(groups));
        InChannels = inChannels;
        OutChannels = outChannels;
        norm1 = VqResBlock.Norm(groups, inChannels);   // GroupNorm with its scale and shift set (see there)
        conv1 = nn.Conv2d(inChannels, outChannels, 3, padding: 1);
        time = nn.Linear(timeDim, outChannels);
        norm2 = VqResBlock.Norm(groups, outChannels);
        conv2 = nn.Conv2d(outChannels, outChannels, 3, padding: 1);
        shortcut = inChannels == outChannels ? null : nn.Conv2d(inChannels, outChannels, 1);
        using (no_grad()) { conv2.weight!.zero_(); conv2.bias!.zero_(); }
        RegisterComponents();
    }

    /// <summary>x [B, InChannels, H, W] and the step embedding [B, timeDim] → [B, OutChannels, H, W].</summary>
    public override Tensor forward(Tensor x, Tensor timeEmbedding)
    {
        using var scope = NewDisposeScope();
        var h = conv1.forward(nn.functional.silu(norm1.forward(x)));
        h = h + time.forward(nn.functional.silu(timeEmbedding)).unsqueeze(-1).unsqueeze(-1);
        h = conv2.forward(nn.functional.silu(norm2.forward(h)));
        var skip = shortcut is null ? x : shortcut.forward(x);
        return (skip + h).MoveToOuterDisposeScope();
    }
}
