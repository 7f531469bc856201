using AeLab.Display;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Evaluation;

/// <summary>
/// How close a set of codes comes to a standard normal prior N(0, I), as lesson 03 reads it for the adversarial
/// autoencoder: the discriminator's loss against chance, the codes' per-axis means and spreads, and how varied the
/// images decoded from prior draws are. Moments are only the first two: codes can match them and still leave most of
/// the prior's disc empty, which a scatter shows and these numbers do not.
/// </summary>
public static class PriorMatch
{
    /// <summary>2 ln 2: the discriminator's loss, −log D(prior) − log(1 − D(code)), when it cannot tell the two apart (D = ½).</summary>
    public static double Chance => 2 * Math.Log(2);

    /// <summary>Within this of 2 ln 2 a discriminator's loss counts as "near chance".</summary>
    public const double NearChance = 0.25;

    /// <summary>Within this of 0 (mean) and of 1 (standard deviation) codes count as centred and spread like the prior.</summary>
    public const double Near = 0.15;

    /// <summary>The discriminator's loss at its first and last epoch against 2 ln 2, with the verdict on where it ended.</summary>
    public static Table Discriminator(IReadOnlyList<double> dLoss)
    {
        ArgumentNullException.ThrowIfNull(dLoss);
        if (dLoss.Count == 0) throw new ArgumentException("PriorMatch.Discriminator needs the d_loss of at least one epoch.", nameof(dLoss));
        var last = dLoss[^1];
        var verdict = Math.Abs(last - Chance) <= NearChance ? "D ends near chance: it tells codes from prior draws apart only weakly"
            : last < Chance ? "D ends below chance: it tells codes from prior draws apart (D is winning)"
            : "D ends above chance: the encoder fools it";
        return new Table("d_loss, first epoch", "last epoch", "2 ln 2 (chance)").Format("2 ln 2 (chance)", "F3")
            .Format("d_loss, first epoch", "F3").Format("last epoch", "F3")
            .Row(dLoss[0], last, Chance).Verdict(verdict);
    }

    /// <summary>Per-axis means and standard deviations of [N, d] codes.</summary>
    public static (double[] Mean, double[] Std) Moments(Tensor codes)
    {
        ArgumentNullException.ThrowIfNull(codes);
        if (codes.dim() != 2 || codes.shape[0] < 2)
            throw new ArgumentException($"PriorMatch.Moments expects codes [N, d] with N ≥ 2; got [{string.Join(", ", codes.shape)}].", nameof(codes));
        using var c = codes.detach().cpu().to(float64);
        using var mean = c.mean(new long[] { 0 });
        using var std = c.std(0);
        return (mean.data<double>().ToArray(), std.data<double>().ToArray());
    }

    /// <summary>The largest |mean| and the largest |std − 1| over the axes: how far the codes' moments are from N(0, I)'s.</summary>
    public static (double Off, double Spread) Departure(Tensor codes)
    {
        var (mean, std) = Moments(codes);
        return (mean.Max(Math.Abs), std.Max(s => Math.Abs(s - 1)));
    }

    /// <summary>
    /// One row per named set of 2-d codes: mean and standard deviation on each axis, and the largest departures from
    /// the prior's 0 and 1. The verdict reads the last set against the first: closer to the prior's moments or not, and
    /// whether the last set is centred and spread like the prior (each within <see cref="Near"/>).
    /// </summary>
    public static Table MomentsTable(IReadOnlyList<(string Name, Tensor Codes)> sets)
    {
        ArgumentNullException.ThrowIfNull(sets);
        if (sets.Count == 0) throw new ArgumentException("PriorMatch.MomentsTable needs at least one set of codes.", nameof(sets));
        var table = new Table("codes", "mean z1", "mean z2", "std z1", "std z2", "max |mean|", "max |std − 1|");
        foreach (var c in new[] { "mean z1", "mean z2", "std z1", "std z2", "max |mean|", "max |std − 1|" }) table.Format(c, "F2");
        foreach (var (name, codes) in sets)
        {
            var (mean, std) = Moments(codes);
            if (mean.Length != 2)
                throw new ArgumentException($"PriorMatch.MomentsTable reads 2-d codes; \"{name}\" has {mean.Length} dimensions.", nameof(sets));
            var (off, spread) = Departure(codes);
            table.Row(name, mean[0], mean[1], std[0], std[1], off, spread);
        }
        table.Row("prior N(0, I)", 0.0, 0.0, 1.0, 1.0, 0.0, 0.0);
        if (sets.Count < 2) return table;
        var (firstOff, firstSpread) = Departure(sets[0].Codes);
        var (lastOff, lastSpread) = Departure(sets[^1].Codes);
        var closer = Math.Max(lastOff, lastSpread) < Math.Max(firstOff, firstSpread) ? "closer to" : "no closer to";
        var shape = (lastOff <= Near ? "centred like it" : "off-centre") + ", " + (lastSpread <= Near ? "spread like it" : "spread differently");
        return table.Verdict($"the {sets[^1].Name} codes are {closer} the prior's moments than the {sets[0].Name} codes: {shape} (within {Near} of 0 and 1)");
    }

    /// <summary>How varied a batch of images is: the mean distance between two of them (over all ordered pairs,
    /// a sample with itself included) divided by √pixels, an RMS difference per pixel.</summary>
    public static double Variety(Tensor samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.dim() < 2 || samples.shape[0] < 2)
            throw new ArgumentException($"PriorMatch.Variety expects a batch of at least two images; got [{string.Join(", ", samples.shape)}].", nameof(samples));
        using var _ = no_grad();
        using var flat = samples.detach().reshape(samples.shape[0], -1).to(float32);
        using var d = cdist(flat, flat);
        return d.mean().item<float>() / Math.Sqrt(flat.shape[1]);
    }

    /// <summary>
    /// Two models' test reconstruction error and the variety of the images they decode from the same prior draws; the
    /// verdict says which samples are more varied (within 5 % counts as about as varied) and how much reconstruction
    /// the second model pays, relative to the first.
    /// </summary>
    public static Table SamplesTable((string Name, double TestMse, Tensor Samples) first, (string Name, double TestMse, Tensor Samples) second)
    {
        double v1 = Variety(first.Samples), v2 = Variety(second.Samples);
        var varied = Math.Abs(v2 - v1) < 0.05 * Math.Max(v1, v2) ? "the two decoders' samples are about as varied"
            : $"the {second.Name} decoder's samples are {(v2 > v1 ? "more" : "less")} varied";
        var cost = second.TestMse > first.TestMse
            ? $"it reconstructs worse, test MSE {(second.TestMse - first.TestMse) / first.TestMse:+0%;-0%} against the {first.Name}"
            : $"it reconstructs no worse (test MSE {(second.TestMse - first.TestMse) / first.TestMse:+0%;-0%;0%})";
        return new Table("model", "test MSE", "sample variety").Format("test MSE", "F4").Format("sample variety", "F3")
            .Row(first.Name, first.TestMse, v1).Row(second.Name, second.TestMse, v2)
            .Verdict($"{varied}; {cost}");
    }

    /// <summary>
    /// Codes of any size against N(0, I), dimension by dimension: the mean of |mean| over the dimensions and the smallest
    /// and largest standard deviation. The verdict says "close to N(0, I)" when |mean| averages under 0.2 and every
    /// standard deviation lies between 0.8 and 1.2, "far from N(0, I)" otherwise.
    /// </summary>
    public static Table SpreadTable(Tensor codes, string name)
    {
        var (mean, std) = Moments(codes);
        double meanAbs = mean.Average(Math.Abs), lo = std.Min(), hi = std.Max();
        bool close = meanAbs < 0.2 && lo > 0.8 && hi < 1.2;
        return new Table("codes", "mean |mean| per dimension", "smallest std", "largest std")
            .Format("mean |mean| per dimension", "F2").Format("smallest std", "F2").Format("largest std", "F2")
            .Row(name, meanAbs, lo, hi)
            .Row("N(0, I)", 0.0, 1.0, 1.0)
            .Verdict($"{(close ? "close to" : "far from")} N(0, I)");
    }
}
