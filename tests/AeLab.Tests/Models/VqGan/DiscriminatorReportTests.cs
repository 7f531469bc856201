using AeLab.Models.VqGan;
using AeLab.Training;

namespace AeLab.Tests.Models.VqGan;

public class DiscriminatorReportTests
{
    static EpochRecord Epoch(int n, double real, double fake, double accuracy, double lambda) =>
        new(n, new Dictionary<string, double> { ["d_real"] = real, ["d_fake"] = fake, ["d_accuracy"] = accuracy, ["lambda"] = lambda, ["val_mse"] = 0.03 }, 1);

    [Fact]
    public void Lists_every_gan_epoch_and_reads_the_last_accuracy()
    {
        var run = new TrainResult(new[] { Epoch(1, 0.39, -0.44, 0.692, 0.0202), Epoch(2, 0.81, -0.76, 0.782, 0.0033) }, 10);
        var text = DiscriminatorReport.Table(run).ToString();
        Assert.Contains("patch accuracy", text);
        Assert.Contains("0.692", text);
        Assert.Contains("0.782", text);
        Assert.Contains("-0.760", text);
        Assert.Contains("78 % of patches", text);
        Assert.Contains("it separates real images from reconstructions", text);
    }

    [Fact]
    public void A_discriminator_at_chance_is_called_not_separating()
    {
        var run = new TrainResult(new[] { Epoch(1, -0.026, -0.015, 0.496, 1.28), Epoch(2, -0.006, -0.037, 0.516, 0.74) }, 10);
        var text = DiscriminatorReport.Table(run).ToString();
        Assert.Contains("does not separate", text);
        Assert.Contains("52 %", text);
    }

    [Fact]
    public void Epochs_before_the_discriminator_start_are_left_out()
    {
        var plain = new EpochRecord(1, new Dictionary<string, double> { ["loss"] = 0.2, ["val_mse"] = 0.04 }, 1);
        var run = new TrainResult(new[] { plain, Epoch(2, 0.5, -0.5, 0.7, 0.01) }, 10);
        var lines = DiscriminatorReport.Table(run).ToString().Split('\n');
        Assert.Equal(3, lines.Length);   // header, one epoch, verdict
        Assert.StartsWith("    2", lines[1]);
    }

    [Fact]
    public void A_run_without_a_discriminator_is_refused_naming_the_argument()
    {
        var vqvae = new TrainResult(new[] { new EpochRecord(1, new Dictionary<string, double> { ["loss"] = 0.2 }, 1) }, 10);
        var e = Assert.Throws<ArgumentException>(() => DiscriminatorReport.Table(vqvae));
        Assert.Equal("run", e.ParamName);
        Assert.Contains("d_accuracy", e.Message);
        Assert.Throws<ArgumentNullException>(() => DiscriminatorReport.Table(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => DiscriminatorReport.Verdict(1.5));
    }
}
