using AeLab.Core;
using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace AeLab.Models;

/// <summary>
/// The fully connected VAE of the Fashion-MNIST notebook: 784 → 128 → (μ, logvar) ∈ ℝʰ, then
/// h → 128 → 784 logits. Bernoulli likelihood: the reconstruction term is binary cross-entropy on the
/// logits summed over the pixels of an image, so loss = −ELBO in nats per image.
/// </summary>
/// <remarks>
/// <c>hiddenLayers</c> gives more than one hidden layer per side (the decoder mirrors the encoder) and
/// <c>leakySlope</c> a LeakyReLU in place of ReLU: <c>hiddenLayers: [64, 32], leakySlope: 0.2</c> on 256 inputs
/// with h = 2 is the "VAE series" notes' network (256 → 64 → 32 → 2, decoder 2 → 32 → 64 → 256), whose
/// PyTorch weights <c>AeLab.Interop.PyTorchWeights</c> loads. The layers beyond the first of each side are
/// <c>encoderHidden.i</c> and <c>decoderHidden.i</c>; the default network has none, so its tensor names stay
/// fc1, fcMu, fcLogvar, fc4, fc5.
/// </remarks>
public sealed class MlpVae : Module<Tensor, Tensor>, IAutoencoder
{
    // Declared in the order the data flows, which is the order of the state_dict's tensors.
    readonly Linear fc1;
    readonly ModuleList<Linear> encoderHidden = new();
    readonly Linear fcMu, fcLogvar, fc4;
    readonly ModuleList<Linear> decoderHidden = new();
    readonly Linear fc5;
    readonly long[] _imageShape;
    readonly int[] _hidden;

    /// <summary>Size of the latent code h.</summary>
    public int LatentSize { get; }

    /// <summary>The shape of one input, [1, 28, 28] by default.</summary>
    public long[] InputShape => _imageShape.ToArray();
    public long[] LatentShape => new long[] { LatentSize };

    /// <summary>Weight of the KL term (1 = the true ELBO; other values give a β-VAE).</summary>
    public double KlWeight { get; set; } = 1.0;

    /// <summary>Widths of the encoder's hidden layers, input side first (the decoder's are the same, reversed).</summary>
    public int[] HiddenLayers => _hidden.ToArray();

    /// <summary>The activations' slope below zero: 0 is ReLU (the course's), 0.2 the notes' LeakyReLU(0.2).</summary>
    public double LeakySlope { get; }

    /// <param name="latentSize">h: 10 in the source notebook, 2 to draw the latent space.</param>
    /// <param name="hidden">Width of the single hidden layer on each side (128 in the source).</param>
    /// <param name="imageShape">Shape of one input, [C, H, W]; default Fashion-MNIST's [1, 28, 28].</param>
    /// <param name="hiddenLayers">Several hidden layers instead of one, input side first (replaces <paramref name="hidden"/>).</param>
    /// <param name="leakySlope">0 for ReLU, else LeakyReLU with this slope.</param>
    public MlpVae(int latentSize = 10, int hidden = 128, long[]? imageShape = null, int[]? hiddenLayers = null, double leakySlope = 0)
        : base(nameof(MlpVae))
    {
        if (latentSize < 1) throw new ArgumentOutOfRangeException(nameof(latentSize), latentSize, "latentSize must be at least 1.");
        if (hidden < 1) throw new ArgumentOutOfRangeException(nameof(hidden), hidden, "hidden must be at least 1.");
        if (hiddenLayers is { Length: 0 } || hiddenLayers?.Any(w => w < 1) == true)
            throw new ArgumentException($"hiddenLayers must list one or more positive widths; got [{string.Join(", ", hiddenLayers)}].", nameof(hiddenLayers));
        if (leakySlope < 0 || double.IsNaN(leakySlope)) throw new ArgumentOutOfRangeException(nameof(leakySlope), leakySlope, "leakySlope must be 0 (ReLU) or positive.");
        _imageShape = imageShape ?? new long[] { 1, 28, 28 };
        _hidden = hiddenLayers?.ToArray() ?? new[] { hidden };
        LeakySlope = leakySlope;
        long inputDim = _imageShape.Aggregate(1L, (a, b) => a * b);
        LatentSize = latentSize;
        int first = _hidden[0], last = _hidden[^1];
        fc1 = Linear(inputDim, first);
        for (int i = 1; i < _hidden.Length; i++) encoderHidden.Add(Linear(_hidden[i - 1], _hidden[i]));
        fcMu = Linear(last, latentSize);
        fcLogvar = Linear(last, latentSize);
        fc4 = Linear(latentSize, last);
        for (int i = _hidden.Length - 1; i > 0; i--) decoderHidden.Add(Linear(_hidden[i], _hidden[i - 1]));
        fc5 = Linear(first, inputDim);
        RegisterComponents();
    }

    Tensor Activate(Tensor x) => LeakySlope == 0 ? nn.functional.relu(x) : nn.functional.leaky_relu(x, LeakySlope);

    /// <summary>A linear layer and the activation, disposing the layer's output.</summary>
    Tensor Layer(Linear layer, Tensor x)
    {
        using var y = layer.forward(x);
        return Activate(y);
    }

    /// <summary>The approximate posterior q(z|x) = N(μ, diag exp(logvar)).</summary>
    public (Tensor Mu, Tensor Logvar) EncodeDistribution(Tensor x)
    {
        Expect.FlatBatch(x, _imageShape, nameof(MlpVae), nameof(x), "images");
        using var flat = x.flatten(1);
        var h = Layer(fc1, flat);
        foreach (var layer in encoderHidden)
            using (h) h = Layer(layer, h);
        using (h) return (fcMu.forward(h), fcLogvar.forward(h));
    }

    /// <summary>Decoder output before the sigmoid, flat [N, C·H·W].</summary>
    public Tensor DecodeLogits(Tensor z)
    {
        Expect.FlatBatch(z, LatentShape, nameof(MlpVae), nameof(z), "codes");
        var h = Layer(fc4, z);
        foreach (var layer in decoderHidden)
            using (h) h = Layer(layer, h);
        using (h) return fc5.forward(h);
    }

    /// <summary>The posterior mean μ: the code a VAE gives an input.</summary>
    public Tensor Encode(Tensor x)
    {
        var (mu, logvar) = EncodeDistribution(x);
        logvar.Dispose();
        return mu;
    }

    /// <summary>Pixel probabilities in [0, 1], shaped like the input images.</summary>
    public Tensor Decode(Tensor z)
    {
        using var logits = DecodeLogits(z);
        return logits.sigmoid().view(ImageShape(z.shape[0]));
    }

    /// <summary>Deterministic reconstruction: decode the posterior mean.</summary>
    public override Tensor forward(Tensor x)
    {
        using var mu = Encode(x);
        return Decode(mu);
    }

    /// <summary>
    /// −ELBO per image, averaged over the batch: Σ_pixels BCE(logits, x) + KlWeight · KL(q(z|x) ‖ N(0, I)),
    /// with one reparameterised sample z. Metrics: "bce" and "kl" (nats per image).
    /// </summary>
    public LossOutput Loss(Tensor x)
    {
        var (mu, logvar) = EncodeDistribution(x);
        using (mu) using (logvar)
        using (var z = Gaussian.Reparameterize(mu, logvar))
        using (var logits = DecodeLogits(z))
        using (var target = x.flatten(1))
        using (var bce = nn.functional.binary_cross_entropy_with_logits(logits, target, reduction: Reduction.None).sum(1).mean())
        using (var kl = Gaussian.KlToStandardNormal(mu, logvar).mean())
        {
            var loss = bce + KlWeight * kl;
            return new LossOutput(loss, new Dictionary<string, Tensor> { ["bce"] = bce.detach(), ["kl"] = kl.detach() });
        }
    }

    /// <summary>Decodes n draws from the prior N(0, I).</summary>
    public Tensor Sample(int n)
    {
        using var z = randn(n, LatentSize, device: this.DeviceOf());
        return Decode(z);
    }

    long[] ImageShape(long n) => new[] { n }.Concat(_imageShape).ToArray();
}
