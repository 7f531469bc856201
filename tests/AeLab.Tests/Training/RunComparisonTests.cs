using AeLab.Training;

namespace AeLab.Tests.Training;

public class RunComparisonTests
{
    static TrainResult Run(params (double Loss, double Val)[] epochs) => new(
        epochs.Select((e, i) => new EpochRecord(i + 1, new Dictionary<string, double> { ["loss"] = e.Loss, ["val_loss"] = e.Val, ["val_mse"] = e.Val }, 2.0)).ToList(),
        seconds: 0);

    [Fact]
    public void First_epoch_at_a_target_and_seconds_per_epoch_come_from_the_history()
    {
        var r = Run((0.5, 0.4), (0.3, 0.2), (0.2, 0.1));
        Assert.Equal(2, r.FirstEpochAtMost("val_mse", 0.2));
        Assert.Null(r.FirstEpochAtMost("val_mse", 0.05));
        Assert.Equal(2.0, r.SecondsPerEpoch());
    }

    [Fact]
    public void The_table_reads_every_run_against_the_first_and_flags_a_validation_error_that_rose()
    {
        var a = Run((0.05, 0.07), (0.04, 0.06));
        var b = Run((0.03, 0.025), (0.016, 0.02), (0.015, 0.022));
        var lines = RunComparison.Table(new[] { ("A", a), ("B", b) }).ToString().Split('\n');
        Assert.Equal("model  train MSE  val MSE  lowest val MSE  at epoch  val ÷ train  trained s", lines[0]);
        Assert.Matches(@"^B\s+0\.0150\s+0\.0220\s+0\.0200\s+2\s+1\.47\s+6$", lines[2]);
        Assert.Equal("B's train MSE is 62 % below A's, its val MSE 63 % below; B's val MSE rose 10 % above its lowest after epoch 2", lines[3]);
        var flat = RunComparison.Table(new[] { ("A", a) }).ToString();
        Assert.EndsWith("every run's val MSE was lowest at its last epoch or level after it", flat);
        Assert.Throws<ArgumentException>(() => RunComparison.Table(new[] { ("none", new TrainResult([], 0)) }));
    }
}
