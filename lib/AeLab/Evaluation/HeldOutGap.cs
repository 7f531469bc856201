using AeLab.Display;
using static TorchSharp.torch;

namespace AeLab.Evaluation;

/// <summary>
/// Memorising or encoding? A model's reconstruction error on a few images it trained on against a few it never saw:
/// a model that memorised draws the first well and the second badly; one that learnt to encode draws both alike.
/// </summary>
public static class HeldOutGap
{
    /// <summary>Per-pixel MSE of reconstructions (clamped to [0, 1], as they are shown) to their originals.</summary>
    public static double Mse(Tensor reconstructions, Tensor originals)
    {
        ArgumentNullException.ThrowIfNull(reconstructions);
        ArgumentNullException.ThrowIfNull(originals);
        if (!reconstructions.shape.SequenceEqual(originals.shape))
            throw new ArgumentException($"HeldOutGap.Mse: reconstructions [{string.Join(", ", reconstructions.shape)}] and originals [{string.Join(", ", originals.shape)}] differ in shape.", nameof(reconstructions));
        using var _ = no_grad();
        return (reconstructions.detach().clamp(0, 1) - originals.detach()).square().mean().item<float>();
    }

    /// <summary>
    /// One row per model: its MSE on the training images, on the held-out images, and held-out ÷ training. The verdict
    /// compares the first model's ratio with the second's: more than 10 % larger reads as "memorised more".
    /// </summary>
    public static Table Table(IReadOnlyList<(string Model, double Train, double HeldOut)> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        if (models.Count == 0) throw new ArgumentException("HeldOutGap.Table needs at least one model.", nameof(models));
        var table = new Table("model", "MSE, training images", "MSE, validation images", "validation ÷ training")
            .Format("MSE, training images", "F4").Format("MSE, validation images", "F4").Format("validation ÷ training", "F2");
        foreach (var (name, train, held) in models) table.Row(name, train, held, held / train);
        if (models.Count < 2) return table;
        var (a, b) = (models[0], models[1]);
        double ratio = (a.HeldOut / a.Train) / (b.HeldOut / b.Train);
        return table.Verdict(ratio > 1.1
            ? $"{a.Model}'s validation pictures are {ratio:F1} × further behind its training pictures than {b.Model}'s: {a.Model} has learnt its training images more than it has learnt to encode"
            : $"{a.Model}'s validation pictures are about as far behind its training pictures as {b.Model}'s (ratio {ratio:F1}): on these images {a.Model} does not memorise more than {b.Model}");
    }
}
