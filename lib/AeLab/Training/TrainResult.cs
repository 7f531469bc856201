namespace AeLab.Training;

/// <summary>One finished epoch: its number (1-based), averaged metrics and how long it took.</summary>
/// <remarks>Metric names: training metrics as the model names them ("loss", "mse", ...), validation
/// metrics with a "val_" prefix, and "lr" (the learning rate at the end of the epoch).</remarks>
[AeLab.Display.TypeFormatterSource(typeof(AeLab.Display.DisplayFormatterSource))]
public sealed record EpochRecord(int Epoch, IReadOnlyDictionary<string, double> Metrics, double Seconds) : AeLab.Display.ISummary
{
    public double this[string metric] => Metrics.TryGetValue(metric, out var v)
        ? v
        : throw new KeyNotFoundException($"Epoch {Epoch} has no metric '{metric}'. It has: {string.Join(", ", Metrics.Keys)}.");

    public override string ToString() =>
        $"epoch {Epoch}: " + string.Join(" · ", Metrics.Select(kv => $"{kv.Key} {TrainFormat.Number(kv.Value)}")) + $" · {Seconds:0.0} s";
}

/// <summary>What a training run produced: the per-epoch history (for loss curves), timing and how it ended.</summary>
[AeLab.Display.TypeFormatterSource(typeof(AeLab.Display.DisplayFormatterSource))]
public sealed class TrainResult : AeLab.Display.ISummary
{
    public TrainResult(IReadOnlyList<EpochRecord> history, double seconds, string? stopReason = null, bool fromCheckpoint = false)
    {
        History = history;
        Seconds = seconds;
        StopReason = stopReason;
        FromCheckpoint = fromCheckpoint;
    }

    /// <summary>Every epoch so far, including those before a resume.</summary>
    public IReadOnlyList<EpochRecord> History { get; }

    /// <summary>Wall-clock seconds of this run (0 when loaded from a checkpoint).</summary>
    public double Seconds { get; }

    /// <summary>Null when training ran to the end; otherwise why it stopped early (e.g. NaN loss).</summary>
    public string? StopReason { get; }

    /// <summary>True when the loss became NaN or infinite and training stopped.</summary>
    public bool Diverged => StopReason != null;

    /// <summary>True when nothing was trained: the weights and history came from a checkpoint file.</summary>
    public bool FromCheckpoint { get; }

    /// <summary>Number of the last completed epoch (0 when none).</summary>
    public int Epochs => History.Count == 0 ? 0 : History[^1].Epoch;

    /// <summary>The last epoch's metrics.</summary>
    public EpochRecord? Last => History.Count == 0 ? null : History[^1];

    /// <summary>One metric across epochs, e.g. <c>result.Curve("loss")</c> and <c>result.Curve("val_loss")</c> for a loss plot.</summary>
    public double[] Curve(string metric) =>
        History.Where(e => e.Metrics.ContainsKey(metric)).Select(e => e.Metrics[metric]).ToArray();

    /// <summary>The epoch numbers that have <paramref name="metric"/> (x axis for <see cref="Curve"/>).</summary>
    public int[] EpochsWith(string metric) =>
        History.Where(e => e.Metrics.ContainsKey(metric)).Select(e => e.Epoch).ToArray();

    public override string ToString()
    {
        var how = FromCheckpoint ? "loaded from checkpoint" : $"trained in {TrainFormat.Duration(Seconds)}";
        var head = $"{Epochs} epoch{(Epochs == 1 ? "" : "s")}, {how}";
        if (StopReason != null) head += $" — stopped: {StopReason}";
        return Last == null ? head : head + Environment.NewLine + Last;
    }
}
