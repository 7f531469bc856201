using System.Globalization;
using AeLab.Display;

namespace AeLab.Training;

/// <summary>Readings of finished training runs from their histories: the epoch a target was first met, and several runs
/// side by side.</summary>
public static class RunComparison
{
    /// <summary>The first epoch whose <paramref name="metric"/> is at or below <paramref name="target"/>, or null when none is.</summary>
    public static int? FirstEpochAtMost(this TrainResult result, string metric, double target)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.History.FirstOrDefault(e => e.Metrics.TryGetValue(metric, out var v) && v <= target)?.Epoch;
    }

    /// <summary>Seconds of training the history records per epoch (also for a run loaded from a checkpoint).</summary>
    public static double SecondsPerEpoch(this TrainResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.History.Count == 0 ? 0 : result.History.Sum(e => e.Seconds) / result.History.Count;
    }

    /// <summary>
    /// One row per run: the last epoch's training and validation value of a metric, the lowest validation value and
    /// the epoch it came at, validation ÷ training, and the seconds of training the history records. The verdict reads
    /// every run against the first: "B's training MSE is 58 % below A's, its validation MSE 66 % below"; and, for each
    /// run whose validation error was lowest before its last epoch, how far it rose again.
    /// </summary>
    /// <param name="runs">(name, result) per run, the reference first.</param>
    /// <param name="unit">What the metric is called in the header and the verdict ("MSE").</param>
    public static Table Table(IReadOnlyList<(string Name, TrainResult Result)> runs, string trainMetric = "loss",
        string validationMetric = "val_loss", string unit = "MSE")
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count == 0) throw new ArgumentException("RunComparison.Table needs at least one run.", nameof(runs));
        var rows = runs.Select(r => Read(r.Name, r.Result, trainMetric, validationMetric)).ToList();
        var table = new Table("model", $"train {unit}", $"val {unit}", $"lowest val {unit}", "at epoch", "val ÷ train", "trained s")
            .Format($"train {unit}", "F4").Format($"val {unit}", "F4").Format($"lowest val {unit}", "F4")
            .Format("val ÷ train", "F2").Format("trained s", "F0");
        foreach (var r in rows) table.Row(r.Name, r.Train, r.Val, r.Best, r.BestEpoch, r.Val / r.Train, r.Seconds);
        var parts = new List<string>();
        var first = rows[0];
        foreach (var r in rows.Skip(1))
            parts.Add($"{r.Name}'s train {unit} is {Relative(r.Train, first.Train)} {first.Name}'s, its val {unit} {Relative(r.Val, first.Val)}");
        var rising = rows.Where(r => r.BestEpoch < r.Epochs && r.Val > r.Best).ToList();
        parts.Add(rising.Count == 0
            ? $"every run's val {unit} was lowest at its last epoch or level after it"
            : string.Join(", ", rising.Select(r => $"{r.Name}'s val {unit} rose {Relative(r.Val, r.Best)} its lowest after epoch {r.BestEpoch}")));
        return table.Verdict(string.Join("; ", parts));
    }

    sealed record Reading(string Name, double Train, double Val, double Best, int BestEpoch, int Epochs, double Seconds);

    static Reading Read(string name, TrainResult r, string trainMetric, string validationMetric)
    {
        var val = r.Curve(validationMetric);
        var epochs = r.EpochsWith(validationMetric);
        if (val.Length == 0 || r.Last is null)
            throw new ArgumentException($"RunComparison: run \"{name}\" has no '{validationMetric}' in its history (train it with a validation set).", nameof(r));
        int best = Enumerable.Range(0, val.Length).MinBy(i => val[i]);
        return new Reading(name, r.Last[trainMetric], val[^1], val[best], epochs[best], r.Epochs, r.History.Sum(e => e.Seconds));
    }

    // "58 % below", "within 0.5 % of", "2.4 × above" — x against the reference y.
    static string Relative(double x, double y)
    {
        if (Math.Abs(x - y) < 0.005 * Math.Abs(y)) return "within 0.5 % of";
        var share = Math.Abs(x - y) / Math.Abs(y);
        return share.ToString("P0", CultureInfo.InvariantCulture) + (x > y ? " above" : " below");
    }
}
