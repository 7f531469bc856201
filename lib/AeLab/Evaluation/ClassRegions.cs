using static TorchSharp.torch;

namespace AeLab.Evaluation;

/// <summary>How far the classes of a set of codes occupy regions of their own.</summary>
public static class ClassRegions
{
    /// <summary>
    /// The fraction of <paramref name="codes"/> [N, D] that lie nearer the mean code of their own class (by
    /// <paramref name="labels"/> [N], 0 … classes − 1) than to any other class's mean code. Chance is about 1/classes.
    /// </summary>
    public static double NearestOwnMean(Tensor codes, Tensor labels, int classes)
    {
        ArgumentNullException.ThrowIfNull(codes);
        ArgumentNullException.ThrowIfNull(labels);
        if (codes.dim() != 2)
            throw new ArgumentException($"NearestOwnMean expects codes [N, D]; got [{string.Join(", ", codes.shape)}].", nameof(codes));
        if (labels.dim() != 1 || labels.shape[0] != codes.shape[0])
            throw new ArgumentException($"NearestOwnMean expects one label per code, [{codes.shape[0]}]; got [{string.Join(", ", labels.shape)}].", nameof(labels));
        if (classes < 2) throw new ArgumentOutOfRangeException(nameof(classes), classes, "classes must be 2 or more.");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var c = codes.detach().cpu();
        var y = labels.cpu().to(ScalarType.Int64);
        var present = Enumerable.Range(0, classes).Where(k => (y == k).any().item<bool>()).ToArray();
        if (present.Length < classes)
            throw new ArgumentException($"NearestOwnMean: classes {string.Join(", ", Enumerable.Range(0, classes).Except(present))} have no code; " +
                "give codes of every class or a smaller classes count.", nameof(labels));
        var means = stack(Enumerable.Range(0, classes).Select(k => c[y == k].mean([0])).ToArray());
        return (cdist(c, means).argmin(1) == y).to(ScalarType.Float32).mean().item<float>();
    }
}
