namespace AeLab.Models.Layers;

/// <summary>The one channel threshold of the convolution workarounds (see <see cref="ReliableConv2d"/>).</summary>
public static class ConvChannels
{
    /// <summary>Convolutions with at least this many input and output channels use libtorch's own kernel; narrower ones
    /// go through <see cref="ReliableConv2d"/>'s fallbacks, and the VQ-GAN keeps its layers at least this wide.</summary>
    public const int Wide = 16;
}
