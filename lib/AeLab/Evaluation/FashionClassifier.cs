using AeLab.Core;
using AeLab.Data;
using AeLab.Models.Layers;
using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Evaluation;

/// <summary>
/// A small Fashion-MNIST classifier whose penultimate layer defines the feature space of the course's sample score
/// (<see cref="FrechetDistance"/>): three 3×3 convolutions with ReLU (32, 64, 64 channels; max-pooling 28 → 14 → 7),
/// a 3136 → <see cref="FeatureSize"/> fully connected layer with ReLU (the features), dropout, and a linear layer
/// to the 10 class logits. Input: images [N, 1, 28, 28] in [0, 1].
/// </summary>
public sealed class FashionClassifier : nn.Module<Tensor, Tensor>, ITrainable
{
    readonly Conv2d conv1;
    readonly Conv2d conv2, conv3;
    readonly Linear fc, head;
    readonly Models.Layers.Dropout dropout;

    /// <summary>Length of the feature vector <see cref="Features"/> returns.</summary>
    public int FeatureSize { get; }

    /// <param name="featureSize">Width of the penultimate layer (the feature vector).</param>
    /// <param name="dropout">Dropout before the class layer, during training only.</param>
    public FashionClassifier(int featureSize = 128, double dropout = 0.3) : base(nameof(FashionClassifier))
    {
        if (featureSize < 1) throw new ArgumentOutOfRangeException(nameof(featureSize), featureSize, "featureSize must be at least 1.");
        if (dropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "dropout must be in [0, 1).");
        FeatureSize = featureSize;
        conv1 = nn.Conv2d(1, 32, 3, padding: 1);
        conv2 = nn.Conv2d(32, 64, 3, padding: 1);
        conv3 = nn.Conv2d(64, 64, 3, padding: 1);
        fc = nn.Linear(64 * 7 * 7, featureSize);
        this.dropout = new Models.Layers.Dropout(dropout);
        head = nn.Linear(featureSize, 10);
        RegisterComponents();
    }

    /// <summary>The penultimate layer's activations [N, <see cref="FeatureSize"/>] (after its ReLU, before dropout).</summary>
    public Tensor Features(Tensor x)
    {
        if (x.dim() != 4 || x.shape[1] != 1 || x.shape[2] != 28 || x.shape[3] != 28)
            throw new ArgumentException($"FashionClassifier expects images [N, 1, 28, 28] in [0, 1]; got [{string.Join(", ", x.shape)}]. " +
                                        "Reshape flat vectors with x.view(-1, 1, 28, 28); map [−1, 1] images with (x + 1) / 2.", nameof(x));
        using var scope = NewDisposeScope();
        // Channels-last from the first feature map on: libtorch's CPU max pooling is several times faster on that
        // layout (NCHW: 15 of a bfloat16 step's 25 ms forward went to the two ReLU + pool pairs). flatten(1) still
        // reads [C, H, W] in order, so fc's weights mean what they did.
        var h = nn.functional.max_pool2d(nn.functional.relu(Models.Layers.Layouts.ChannelsLast(conv1.forward(x))), 2);   // 32 × 14 × 14
        h = nn.functional.max_pool2d(nn.functional.relu(conv2.forward(h)), 2);                     // 64 × 7 × 7
        h = nn.functional.relu(conv3.forward(h));                                                  // 64 × 7 × 7
        return nn.functional.relu(fc.forward(h.flatten(1))).MoveToOuterDisposeScope();
    }

    /// <summary>Class logits [N, 10].</summary>
    public override Tensor forward(Tensor x)
    {
        using var f = Features(x);
        using var d = dropout.forward(f);
        return head.forward(d);
    }

    /// <summary>Mean cross-entropy of a labelled batch, with the metrics "ce" and "accuracy" (fraction correct).</summary>
    public LossOutput Loss(Batch batch)
    {
        if (batch.Y is null) throw new ArgumentException("The classifier needs labelled batches (a dataset with labels).", nameof(batch));
        var logits = forward(batch.X);
        var ce = nn.functional.cross_entropy(logits, batch.Y);
        var accuracy = logits.argmax(1).eq(batch.Y).to(float32).mean();
        return new LossOutput(ce, new Dictionary<string, Tensor> { ["ce"] = ce.detach(), ["accuracy"] = accuracy });
    }

    /// <summary>Features of many images [N, 1, 28, 28], in evaluation mode and batches, as float32 on the CPU.</summary>
    public Tensor FeaturesOf(Tensor images, int batchSize = 500)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be at least 1.");
        var device = this.DeviceOf();
        bool wasTraining = training;
        eval();
        try
        {
            var parts = new List<Tensor>();
            using (no_grad())
                for (long i = 0; i < images.shape[0]; i += batchSize)
                    using (NewDisposeScope())
                    {
                        var x = images.narrow(0, i, Math.Min(batchSize, images.shape[0] - i)).to(device);
                        parts.Add(Features(x).cpu().MoveToOuterDisposeScope());
                    }
            var all = cat(parts.ToArray());
            foreach (var p in parts) p.Dispose();
            return all;
        }
        finally { train(wasTraining); }
    }

    /// <summary>Fraction of <paramref name="data"/> classified correctly (evaluation mode).</summary>
    public double Accuracy(ImageDataset data, int batchSize = 500)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Labels is null) throw new ArgumentException("Accuracy needs a dataset with labels.", nameof(data));
        var device = this.DeviceOf();
        bool wasTraining = training;
        eval();
        try
        {
            long correct = 0;
            using (no_grad())
                for (int i = 0; i < data.Count; i += batchSize)
                    using (NewDisposeScope())
                    {
                        int n = Math.Min(batchSize, data.Count - i);
                        var pred = forward(data.Images.narrow(0, i, n).to(device)).argmax(1).cpu();
                        correct += pred.eq(data.Labels.narrow(0, i, n)).sum().item<long>();
                    }
            return correct / (double)data.Count;
        }
        finally { train(wasTraining); }
    }
}
