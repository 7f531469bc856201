using AeLab.Core;
using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Models;

/// <summary>
/// The fully connected autoencoder of lesson 01: 784 → 256 → 128 → 20 → 128 → 256 → 784 with ReLU
/// (sizes configurable). The decoder ends in raw logits; <see cref="Decode"/> applies the sigmoid, and
/// the loss works on the logits. Optional dropout between hidden layers makes it the dropout autoencoder.
/// </summary>
public class MlpAutoencoder : nn.Module<Tensor, Tensor>, IAutoencoder
{
    readonly Sequential encoder;
    readonly Sequential decoder;

    public int InputSize { get; }
    public int LatentSize { get; }
    public long[] ImageShape { get; }
    public long[] InputShape => ImageShape;
    public long[] LatentShape => new long[] { LatentSize };
    public ReconstructionLoss LossKind { get; }
    /// <summary>The encoder's hidden layer sizes (the decoder mirrors them).</summary>
    public IReadOnlyList<int> HiddenSizes { get; }
    /// <summary>The dropout probability after each hidden activation (0 = none).</summary>
    public double DropoutRate { get; }
    /// <summary>The negative slope of the LeakyReLU activations; 0 = plain ReLU.</summary>
    public double LeakySlope { get; }

    /// <param name="imageShape">Shape of one input, e.g. [1, 28, 28]; its product is the input size.</param>
    /// <param name="latentSize">Size of the code z (20 in the course).</param>
    /// <param name="hidden">Hidden layer sizes of the encoder; the decoder mirrors them (default 256, 128).</param>
    /// <param name="loss">Training loss (default sigmoid cross-entropy on logits, like the course).</param>
    /// <param name="dropout">Dropout probability after each hidden activation (0 = none).</param>
    /// <param name="leakySlope">Negative slope of LeakyReLU; 0 = plain ReLU.</param>
    public MlpAutoencoder(long[]? imageShape = null, int latentSize = 20, int[]? hidden = null,
        ReconstructionLoss loss = ReconstructionLoss.BceWithLogits, double dropout = 0, double leakySlope = 0,
        string name = nameof(MlpAutoencoder)) : base(name)
    {
        ImageShape = imageShape ?? new long[] { 1, 28, 28 };
        if (ImageShape.Length == 0 || ImageShape.Any(d => d <= 0))
            throw new ArgumentException($"imageShape must be positive sizes such as [1, 28, 28]; got [{string.Join(", ", ImageShape)}].", nameof(imageShape));
        if (latentSize < 1) throw new ArgumentOutOfRangeException(nameof(latentSize), latentSize, "latentSize must be at least 1.");
        if (dropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "dropout is a probability in [0, 1).");
        InputSize = (int)ImageShape.Aggregate(1L, (a, b) => a * b);
        LatentSize = latentSize;
        LossKind = loss;
        var sizes = hidden ?? new[] { 256, 128 };
        HiddenSizes = sizes.ToArray();
        DropoutRate = dropout;
        LeakySlope = leakySlope;

        encoder = Stack(new[] { InputSize }.Concat(sizes).ToArray(), latentSize, dropout, leakySlope);
        decoder = Stack(new[] { latentSize }.Concat(sizes.AsEnumerable().Reverse()).ToArray(), InputSize, dropout, leakySlope);
        RegisterComponents();
    }

    // Linear + activation (+ dropout) for each hidden size, then a plain Linear to the output:
    // codes and logits must be free to take any real value.
    static Sequential Stack(int[] sizes, int output, double dropout, double leakySlope)
    {
        var layers = new List<nn.Module<Tensor, Tensor>>();
        for (int i = 0; i + 1 < sizes.Length; i++)
        {
            layers.Add(nn.Linear(sizes[i], sizes[i + 1]));
            layers.Add(leakySlope > 0 ? nn.LeakyReLU(leakySlope) : nn.ReLU());
            if (dropout > 0) layers.Add(nn.Dropout(dropout));
        }
        layers.Add(nn.Linear(sizes[^1], output));
        return nn.Sequential(layers);
    }

    /// <summary>The encoder network g: x → z.</summary>
    public Sequential Encoder => encoder;

    /// <summary>The decoder network h: z → logits of x̄.</summary>
    public Sequential DecoderNet => decoder;

    public Tensor Encode(Tensor x)
    {
        Expect.FlatBatch(x, ImageShape, GetType().Name, nameof(x), "images");
        return encoder.forward(x.reshape(x.shape[0], InputSize));
    }

    /// <summary>Decoder logits, flat [B, InputSize].</summary>
    public Tensor DecodeLogits(Tensor z)
    {
        Expect.FlatBatch(z, LatentShape, GetType().Name, nameof(z), "codes");
        return decoder.forward(z.reshape(z.shape[0], LatentSize));
    }

    public Tensor Decode(Tensor z) => nn.functional.sigmoid(DecodeLogits(z)).reshape(new[] { z.shape[0] }.Concat(ImageShape).ToArray());

    /// <summary>Reconstruction x̄ = h(g(x)) in [0,1], shaped like the input.</summary>
    public override Tensor forward(Tensor x) => Decode(Encode(x));

    public LossOutput Loss(Tensor x) => Loss(x, x);

    /// <summary>Loss of reconstructing <paramref name="target"/> from <paramref name="input"/> (they differ for denoising).</summary>
    public LossOutput Loss(Tensor input, Tensor target)
    {
        Expect.FlatBatch(input, ImageShape, GetType().Name, nameof(input), "images");
        Expect.FlatBatch(target, ImageShape, GetType().Name, nameof(target), "images");
        return Reconstruction.FromLogits(DecodeLogits(Encode(input)), target.reshape(target.shape[0], InputSize), LossKind);
    }

    public Tensor Sample(int n) => Decode(randn(n, LatentSize, device: this.DeviceOf()));
}
