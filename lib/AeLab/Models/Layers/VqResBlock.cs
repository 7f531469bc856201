using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AeLab.Models.Layers;

/// <summary>taming-transformers' ResnetBlock: GroupNorm → SiLU → 3×3 conv, twice, plus the input (through a 1×1
/// convolution when the channel count changes).</summary>
public sealed class VqResBlock : nn.Module<Tensor, Tensor>
{
    readonly nn.Module<Tensor, Tensor> main;
    readonly nn.Module<Tensor, Tensor>? shortcut;

    public VqResBlock(int inChannels, int outChannels, int groups = 8) : base(nameof(VqResBlock))
    {
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"Channel counts {inChannels} → {outChannels} must be multiples of the {groups} GroupNorm groups.");
        main = nn.Sequential(
            Norm(groups, inChannels), nn.SiLU(), nn.Conv2d(inChannels, outChannels, 3, padding: 1),
            Norm(groups, outChannels), nn.SiLU(), nn.Conv2d(outChannels, outChannels, 3, padding: 1));
        shortcut = inChannels == outChannels ? null : nn.Conv2d(inChannels, outChannels, 1);
        RegisterComponents();
    }

    /// <summary>
    /// GroupNorm with its affine parameters set explicitly to scale 1, shift 0. Why: TorchSharp 0.107's GroupNorm
    /// leaves them as uninitialised memory (NaN was seen in fresh layers here).
    /// </summary>
    public static GroupNorm Norm(int groups, int channels)
    {
        var norm = nn.GroupNorm(groups, channels);
        using (no_grad())
        {
            norm.weight!.fill_(1);
            norm.bias!.fill_(0);
        }
        return norm;
    }

    public override Tensor forward(Tensor x) => main.forward(x) + (shortcut?.forward(x) ?? x);
}
