using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AeLab.Models.Layers;

/// <summary>
/// The residual stack of the VQ-VAE paper: <c>n</c> blocks x + Conv1×1(ReLU(Conv3×3(ReLU(x)))) at a fixed
/// width (the 3×3 conv narrows to half), then a ReLU. Keeps the spatial size.
/// </summary>
public sealed class VqResidualStack : nn.Module<Tensor, Tensor>
{
    readonly ModuleList<nn.Module<Tensor, Tensor>> blocks = new();

    public VqResidualStack(int channels, int blocks) : base(nameof(VqResidualStack))
    {
        if (channels < 2) throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be at least 2.");
        if (blocks < 0) throw new ArgumentOutOfRangeException(nameof(blocks), blocks, "blocks must be 0 or more.");
        for (int i = 0; i < blocks; i++)
            this.blocks.Add(nn.Sequential(
                nn.ReLU(),
                new ReliableConv2d(channels, channels / 2, 3, padding: 1),
                nn.ReLU(),
                new ReliableConv2d(channels / 2, channels, 1)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        foreach (var block in blocks) x = x + block.forward(x);
        return nn.functional.relu(x).MoveToOuterDisposeScope();
    }
}
