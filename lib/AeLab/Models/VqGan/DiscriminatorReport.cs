using System.Globalization;
using AeLab.Display;
using AeLab.Training;

namespace AeLab.Models.VqGan;

/// <summary>
/// What the discriminator of a VQ-GAN run (<see cref="VqGanStep"/> under the course's <c>Trainer</c>) learnt, per epoch:
/// its mean scores of real images and of reconstructions, the share of patches it put on the right side of zero
/// (0.5 is chance) and the adaptive weight w_d·λ as the generator's loss used it. A discriminator that stays at chance
/// gives the generator a gradient with no information in it, however large the adaptive weight makes it.
/// </summary>
public static class DiscriminatorReport
{
    /// <summary>Patch accuracy from which the report calls the discriminator separating (chance is 0.5).</summary>
    public const double SeparatingAccuracy = 0.6;

    static readonly string[] Needed = { "d_real", "d_fake", "d_accuracy", "lambda" };

    /// <summary>One row per epoch in which the discriminator trained, and a verdict on the last one.</summary>
    /// <param name="run">A run of <see cref="VqGanStep"/> with a discriminator (its epochs report d_real, d_fake,
    /// d_accuracy and lambda).</param>
    public static Table Table(TrainResult run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var epochs = run.History.Where(e => Needed.All(e.Metrics.ContainsKey)).ToList();
        if (epochs.Count == 0)
            throw new ArgumentException("DiscriminatorReport.Table: expected a VQ-GAN run whose epochs report " +
                $"{string.Join(", ", Needed)}, got {(run.History.Count == 0 ? "a run without epochs" : "epochs with " + string.Join(", ", run.History[^1].Metrics.Keys))}. " +
                "Pass the result of a Trainer over a VqGanStep built with a discriminator, trained past its DiscriminatorStart.", nameof(run));
        var table = new Table("epoch", "D(x) real", "D(x̂) reconstruction", "patch accuracy", "w_d·λ")
            .Format("D(x) real", "F3").Format("D(x̂) reconstruction", "F3").Format("patch accuracy", "F3")
            .Rows(epochs, e => new object?[] { e.Epoch, e.Metrics["d_real"], e.Metrics["d_fake"], e.Metrics["d_accuracy"], e.Metrics["lambda"] });
        return table.Verdict(Verdict(epochs[^1].Metrics["d_accuracy"]));
    }

    /// <summary>The one-line reading of a last epoch's patch accuracy.</summary>
    public static string Verdict(double accuracy)
    {
        if (!double.IsFinite(accuracy) || accuracy < 0 || accuracy > 1)
            throw new ArgumentOutOfRangeException(nameof(accuracy), accuracy, "accuracy must be a share between 0 and 1.");
        string share = accuracy.ToString("P0", CultureInfo.InvariantCulture);
        return accuracy >= SeparatingAccuracy
            ? $"last epoch: D puts {share} of patches on the right side (chance 50 %): it separates real images from reconstructions"
            : $"last epoch: D puts {share} of patches on the right side (chance 50 %): it does not separate real images from " +
              "reconstructions, so its gradient tells the decoder little";
    }
}
