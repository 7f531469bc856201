using AeLab.Core;
using AeLab.Display;
using static TorchSharp.torch;

namespace AeLab.Evaluation;

/// <summary>What a classifier makes of the images along a latent path: the classes in order (repeats merged), and
/// its lowest confidence (largest class probability) with the point t ∈ [0, 1] where it was lowest.</summary>
public sealed record PathReading(IReadOnlyList<string> Classes, double LowestConfidence, double LowestAt)
{
    /// <summary>The classes joined by arrows: "Trouser → Dress → Ankle boot".</summary>
    public string Route => string.Join(" → ", Classes);
}

/// <summary>
/// Straight lines between two codes, decoded: z_t = (1 − t) z_a + t z_b for t = 0 … 1 in equal steps. Where a model's
/// latent space has holes, the images along the line look like neither end.
/// </summary>
public static class LatentPath
{
    /// <summary>The images [steps, …] (on the CPU) decoded from <paramref name="steps"/> points on the line between the
    /// codes of <paramref name="ends"/> [2, …] (the first is t = 0), without gradients.</summary>
    public static Tensor Decode(Func<Tensor, Tensor> encode, Func<Tensor, Tensor> decode, Tensor ends, int steps = 10)
    {
        ArgumentNullException.ThrowIfNull(encode);
        ArgumentNullException.ThrowIfNull(decode);
        ArgumentNullException.ThrowIfNull(ends);
        if (ends.dim() < 2 || ends.shape[0] != 2)
            throw new ArgumentException($"ends must hold the path's two images [2, …]; got [{string.Join(", ", ends.shape)}].", nameof(ends));
        if (steps < 2) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be at least 2 (the two ends).");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var z = encode(ends);
        var t = linspace(0, 1, steps, device: z.device).view(new long[] { steps }.Concat(Enumerable.Repeat(1L, (int)z.dim() - 1)).ToArray());
        return decode((1 - t) * z[0].unsqueeze(0) + t * z[1].unsqueeze(0)).cpu().MoveToOuterDisposeScope();
    }

    /// <summary>The classifier's reading of the images along a path [steps, 1, 28, 28] in [0, 1].</summary>
    public static PathReading Read(FashionClassifier classifier, Tensor path, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(classNames);
        if (path.shape[0] < 2) throw new ArgumentException($"A path has at least 2 images; got {path.shape[0]}.", nameof(path));
        using var scope = NewDisposeScope();
        Tensor probs;
        bool wasTraining = classifier.training;
        classifier.eval();
        try
        {
            using (no_grad()) probs = softmax(classifier.forward(path.to(classifier.DeviceOf())), 1).cpu();
        }
        finally { classifier.train(wasTraining); }
        var (conf, cls) = probs.max(1);
        var confidences = conf.data<float>().ToArray();
        var classes = cls.data<long>().ToArray().Select(c => classNames[(int)c]).ToArray();
        int low = Array.IndexOf(confidences, confidences.Min());
        var route = classes.Where((c, i) => i == 0 || c != classes[i - 1]).ToList();
        return new PathReading(route, confidences[low], low / (double)(confidences.Length - 1));
    }

    /// <summary>The classifier's reading of several labelled paths: per path the classes it saw in order, its lowest
    /// confidence and the t where it was lowest.</summary>
    public static Table Table(FashionClassifier classifier, IEnumerable<(string Label, Tensor Images)> paths,
        IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(paths);
        return new Table("model", "classes along the path", "lowest confidence", "at t")
            .Format("lowest confidence", "P0").Format("at t", "F2")
            .Rows(paths, p =>
            {
                var r = Read(classifier, p.Images, classNames);
                return new object[] { p.Label, r.Route, r.LowestConfidence, r.LowestAt };
            });
    }
}
