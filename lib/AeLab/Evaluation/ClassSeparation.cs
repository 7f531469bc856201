using AeLab.Display;
using static TorchSharp.torch;

namespace AeLab.Evaluation;

/// <summary>
/// How well an encoder that never saw a label separates the classes: for each class, the share of its codes that lie
/// closer to their own class's mean code than to any other class's (in the full code space).
/// </summary>
public static class ClassSeparation
{
    /// <summary>Per class (index = label), the share of its codes whose nearest class-mean code is their own.</summary>
    /// <param name="codes">[N, d] codes.</param>
    /// <param name="labels">[N] integer labels in 0 … classCount − 1.</param>
    public static double[] NearestMeanShares(Tensor codes, Tensor labels, int classCount)
    {
        ArgumentNullException.ThrowIfNull(codes);
        ArgumentNullException.ThrowIfNull(labels);
        if (codes.dim() != 2) throw new ArgumentException($"ClassSeparation expects codes [N, d]; got [{string.Join(", ", codes.shape)}].", nameof(codes));
        if (labels.numel() != codes.shape[0])
            throw new ArgumentException($"ClassSeparation: {labels.numel()} labels for {codes.shape[0]} codes.", nameof(labels));
        if (classCount < 2) throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "classCount must be 2 or more.");
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var z = codes.detach().cpu().to(float32);
        var y = labels.detach().cpu().to(ScalarType.Int64).reshape(-1);
        var present = Enumerable.Range(0, classCount).Where(c => (y == c).any().item<bool>()).ToArray();
        if (present.Length != classCount)
            throw new ArgumentException($"ClassSeparation: classes {string.Join(", ", Enumerable.Range(0, classCount).Except(present))} have no code.", nameof(labels));
        var means = stack(present.Select(c => z[y == c].mean(new long[] { 0 })).ToArray());
        var nearest = cdist(z, means).argmin(1);
        return present.Select(c => (double)(nearest[y == c] == c).to(float32).mean().item<float>()).ToArray();
    }

    /// <summary>One row per class, most separate first, with the share of its codes nearest its own class's mean code;
    /// the verdict names the three most separate and the three most mixed classes.</summary>
    public static Table Table(Tensor codes, Tensor labels, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        var shares = NearestMeanShares(codes, labels, classNames.Count);
        var order = Enumerable.Range(0, shares.Length).OrderByDescending(c => shares[c]).ToArray();
        var table = new Table("class", "codes nearest their own class's mean").Format("codes nearest their own class's mean", "P0")
            .Rows(order, c => new object?[] { classNames[c], shares[c] });
        int k = Math.Min(3, order.Length / 2);
        return table.Verdict($"most separate: {string.Join(", ", order.Take(k).Select(c => classNames[c]))}; " +
                             $"most mixed: {string.Join(", ", Enumerable.Reverse(order).Take(k).Select(c => classNames[c]))}");
    }
}
