using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AeLab.Models.Layers;

/// <summary>
/// The residual block of the CelebA autoencoder (lesson 04). A main path of 3×3 conv → BatchNorm → LeakyReLU
/// units: <c>convsPerSide</c> at the input width, one strided (stride 2, no padding) unit that changes the
/// width and halves the size, <c>convsPerSide</c> more at the output width; plus a shortcut: one strided 3×3
/// conv straight from input to output. Output = main(x) + shortcut(x). In the decoder every conv is a
/// transposed conv, so the strided step doubles the size instead (n → 2n + 1).
/// </summary>
public sealed class ResidualBlock : nn.Module<Tensor, Tensor>
{
    readonly Sequential main;
    readonly nn.Module<Tensor, Tensor> shortcut;

    public ResidualBlock(int inChannels, int outChannels, bool encoder = true, int convsPerSide = 4, double leakySlope = 0.01)
        : base(nameof(ResidualBlock))
    {
        if (inChannels < 1 || outChannels < 1) throw new ArgumentException($"Channel counts must be positive; got {inChannels} → {outChannels}.");
        if (convsPerSide < 0) throw new ArgumentOutOfRangeException(nameof(convsPerSide), convsPerSide, "convsPerSide must be 0 or more.");
        var layers = new List<nn.Module<Tensor, Tensor>>();
        void Unit(int cin, int cout, int stride, int padding)
        {
            layers.Add(Conv(encoder, cin, cout, stride, padding));
            layers.Add(new LayoutBatchNorm2d(cout));
            layers.Add(nn.LeakyReLU(leakySlope));
        }
        for (int i = 0; i < convsPerSide; i++) Unit(inChannels, inChannels, 1, 1);
        Unit(inChannels, outChannels, 2, 0);
        for (int i = 0; i < convsPerSide; i++) Unit(outChannels, outChannels, 1, 1);
        main = nn.Sequential(layers);
        shortcut = Conv(encoder, inChannels, outChannels, 2, 0);
        RegisterComponents();
    }

    static nn.Module<Tensor, Tensor> Conv(bool encoder, int cin, int cout, int stride, int padding) => encoder
        ? nn.Conv2d(cin, cout, 3, stride: stride, padding: padding)
        : new TransposedConv2d(cin, cout, 3, stride: stride, padding: padding);

    public override Tensor forward(Tensor x)
    {
        // Channels-last storage (see Layouts.ChannelsLast): free when x already is, and the blocks pass it on.
        using var xl = Layouts.ChannelsLast(x);
        return main.forward(xl) + shortcut.forward(xl);
    }
}
