using AeLab.Models.Layers;
using AeLab.Training;
using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Models.VqGan;

/// <summary>
/// LPIPS (Zhang et al. 2018), the perceptual distance taming-transformers adds to its L1 loss: both images go
/// through VGG16's convolutional layers; at relu1_2, relu2_2, relu3_3, relu4_3 and relu5_3 the features are
/// normalised to unit length per pixel, their squared difference is weighted per channel by a learned
/// non-negative vector, averaged over pixels and summed over layers.
/// It only means something with ImageNet-trained VGG16 weights plus the LPIPS channel weights, which cannot be
/// downloaded here: build it with <see cref="FromFile"/> from weights you supply. The course's default
/// perceptual term is the discriminator's feature matching (<see cref="GanLosses.FeatureMatching"/>).
/// </summary>
/// <remarks>
/// State-dict names follow torchvision: <c>features.N.weight/bias</c> for VGG16's <c>features</c> Sequential
/// (convolutions at 0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28) and <c>linK.weight</c> [1, C, 1, 1] for the
/// LPIPS layers (the lpips package calls them <c>linK.model.1.weight</c>; rename when converting).
/// </remarks>
public sealed class Lpips : nn.Module<Tensor, Tensor, Tensor>
{
    static readonly int[] Vgg16 = { 64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512 }; // 0 = max-pool
    static readonly int[] TapAfter = { 3, 8, 15, 22, 29 }; // indices of relu1_2 … relu5_3 in features

    readonly Sequential features;
    readonly LpipsLinear lin0, lin1, lin2, lin3, lin4;
    readonly int[] tapChannels;

    /// <param name="widthDivisor">1 for VGG16 (the only width pretrained weights exist for); larger values give a
    /// narrower network of the same layout, for tests.</param>
    public Lpips(int widthDivisor = 1) : base(nameof(Lpips))
    {
        if (widthDivisor < 1 || 64 % widthDivisor != 0) throw new ArgumentOutOfRangeException(nameof(widthDivisor), widthDivisor, "widthDivisor must divide 64 (1 for real VGG16 weights).");
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        int cin = 3, index = 0;
        var taps = new List<int>();
        foreach (var c in Vgg16)
        {
            if (c == 0) { layers.Add(($"{index++}", nn.MaxPool2d(2, 2))); continue; }
            int cout = c / widthDivisor;
            layers.Add(($"{index++}", new ReliableConv2d(cin, cout, 3, padding: 1)));
            layers.Add(($"{index}", nn.ReLU()));
            if (TapAfter.Contains(index)) taps.Add(cout);
            index++;
            cin = cout;
        }
        features = nn.Sequential(layers);
        tapChannels = taps.ToArray();
        lin0 = new LpipsLinear(tapChannels[0]); lin1 = new LpipsLinear(tapChannels[1]); lin2 = new LpipsLinear(tapChannels[2]);
        lin3 = new LpipsLinear(tapChannels[3]); lin4 = new LpipsLinear(tapChannels[4]);
        RegisterComponents();
    }

    /// <summary>
    /// Loads LPIPS weights from <paramref name="path"/>: a TorchSharp state dict (<c>module.save</c>, e.g. converted
    /// from PyTorch with TorchSharp's exportsd.py) or an AeLab checkpoint (<see cref="Checkpoint.Save(string, nn.Module, optim.Optimizer?, int, object?, IReadOnlyList{EpochRecord}?)"/>).
    /// The returned module is frozen and in eval mode.
    /// </summary>
    public static Lpips FromFile(string path, int widthDivisor = 1)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("Give the path of an LPIPS weights file. " + HowToGetWeights, nameof(path));
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
            throw new FileNotFoundException($"LPIPS weights file '{full}' does not exist. " + HowToGetWeights, full);
        var model = new Lpips(widthDivisor);
        try
        {
            if (IsCheckpoint(full)) Checkpoint.Load(full, model);
            else model.load(full, strict: true);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            model.Dispose();
            throw new InvalidDataException(
                $"LPIPS weights file '{full}' does not fit the LPIPS network (VGG16 width 1/{widthDivisor}): {e.Message} " +
                $"It must hold exactly these tensors: {ExpectedTensors(widthDivisor)}. " + HowToGetWeights, e);
        }
        foreach (var p in model.parameters()) p.requires_grad = false;
        model.eval();
        return model;
    }

    /// <summary>Where the weights come from, for error messages.</summary>
    public const string HowToGetWeights =
        "LPIPS needs ImageNet-trained VGG16 features and the LPIPS layer weights, which this machine cannot download. " +
        "On a machine with PyTorch: `pip install lpips`, take torchvision's vgg16(weights='IMAGENET1K_V1').features and the lpips " +
        "package's weights/v0.1/vgg.pth, rename linK.model.1.weight to linK.weight, and write a TorchSharp state dict with " +
        "TorchSharp's exportsd.py; copy that file here. Without it, train with the discriminator feature-matching perceptual loss (the default).";

    /// <summary>"name [shape]" of every tensor a weights file must hold.</summary>
    public static string ExpectedTensors(int widthDivisor = 1)
    {
        using var reference = new Lpips(widthDivisor);
        return string.Join(", ", reference.state_dict().Select(kv => $"{kv.Key} [{string.Join("×", kv.Value.shape)}]"));
    }

    static bool IsCheckpoint(string path)
    {
        var marker = "AELABCKPT\n"u8;
        using var f = File.OpenRead(path);
        var head = new byte[marker.Length];
        return f.Read(head, 0, head.Length) == head.Length && head.AsSpan().SequenceEqual(marker);
    }

    /// <summary>LPIPS distance per image [B] between <paramref name="x0"/> and <paramref name="x1"/>, both [B, 3, H, W] in [−1, 1].</summary>
    public override Tensor forward(Tensor x0, Tensor x1)
    {
        if (x0.dim() != 4 || x0.shape[1] != 3 || !x0.shape.SequenceEqual(x1.shape))
            throw new ArgumentException($"Lpips expects two RGB batches of the same shape [B, 3, H, W]; got [{string.Join(", ", x0.shape)}] and [{string.Join(", ", x1.shape)}].", nameof(x1));
        var a = Taps(Scale(x0));
        var b = Taps(Scale(x1));
        var lins = new[] { lin0, lin1, lin2, lin3, lin4 };
        Tensor? total = null;
        for (int i = 0; i < a.Count; i++)
        {
            var d = (UnitNormalize(a[i]) - UnitNormalize(b[i])).pow(2);
            var layer = lins[i].forward(d).mean(new long[] { 1, 2, 3 });
            total = total is null ? layer : total + layer;
        }
        return total!;
    }

    // The lpips package's ScalingLayer: ImageNet statistics for inputs in [−1, 1].
    static Tensor Scale(Tensor x)
    {
        var shift = tensor(new[] { -0.030f, -0.088f, -0.188f }, device: x.device).reshape(1, 3, 1, 1);
        var scale = tensor(new[] { 0.458f, 0.448f, 0.450f }, device: x.device).reshape(1, 3, 1, 1);
        return (x - shift) / scale;
    }

    static Tensor UnitNormalize(Tensor f) => f / (f.pow(2).sum(1, keepdim: true).sqrt() + 1e-10);

    List<Tensor> Taps(Tensor x)
    {
        var taps = new List<Tensor>();
        int i = 0;
        foreach (var layer in features.children())
        {
            x = ((nn.Module<Tensor, Tensor>)layer).forward(x);
            if (TapAfter.Contains(i)) taps.Add(x);
            if (i == TapAfter[^1]) break;
            i++;
        }
        return taps;
    }

    /// <summary>One LPIPS layer: a 1×1 convolution without bias to one channel, i.e. a weighted channel sum.</summary>
    sealed class LpipsLinear : nn.Module<Tensor, Tensor>
    {
        readonly Parameter weight;
        public LpipsLinear(int channels) : base(nameof(LpipsLinear))
        {
            weight = new Parameter(full(1, channels, 1, 1, 1.0f / channels));
            RegisterComponents();
        }
        public override Tensor forward(Tensor d) => (d * weight).sum(1, keepdim: true);
    }
}
