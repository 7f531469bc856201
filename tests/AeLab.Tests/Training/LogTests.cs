using AeLab.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Tests.Training;

public class LogTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), "aelab-logs-" + Guid.NewGuid().ToString("N"));

    public LogTests() => Lab.Init(seed: 3, threads: 1);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void A_run_writes_a_metrics_csv_row_per_epoch_and_tensorboard_events()
    {
        Lab.Seed(1);
        var model = new TinyAutoencoder(new TinyConfig());
        using var opt = optim.Adam(model.parameters(), 1e-2);
        var trainer = new Trainer(model, opt)
        {
            Quiet = true, LogDir = _dir, Validation = new SyntheticBatches(16, shuffle: false),
            HookEvery = 2,
        };
        trainer.OnEpoch = e => trainer.Log!.Image("samples", model.Sample(4).reshape(1, 4, 16).sigmoid(), e.Epoch);
        var result = trainer.Fit(new SyntheticBatches(), 3);

        var lines = File.ReadAllLines(Path.Combine(_dir, "metrics.csv"));
        Assert.Equal("epoch,seconds,loss,mse,half_mse,val_loss,val_mse,val_half_mse,lr", lines[0]);
        Assert.Equal(4, lines.Length);
        var row = lines[3].Split(',');
        Assert.Equal("3", row[0]);
        Assert.Equal(result.History[2]["loss"], double.Parse(row[2], System.Globalization.CultureInfo.InvariantCulture));

        var events = Directory.GetFiles(_dir, "events.out.tfevents.*");
        Assert.Single(events);
        var bytes = File.ReadAllBytes(events[0]);
        var text = System.Text.Encoding.Latin1.GetString(bytes);
        Assert.Contains("val_loss", text);
        Assert.Contains("samples", text);
        Assert.Contains("PNG", text); // the image summary holds a PNG
    }

    [Fact]
    public void A_resumed_run_appends_to_the_same_csv()
    {
        Lab.Seed(1);
        var model = new TinyAutoencoder(new TinyConfig());
        using var opt = optim.Adam(model.parameters(), 1e-2);
        var trainer = new Trainer(model, opt) { Quiet = true, LogDir = _dir };
        trainer.Fit(new SyntheticBatches(), 2);
        trainer.Fit(new SyntheticBatches(), 4);
        var lines = File.ReadAllLines(Path.Combine(_dir, "metrics.csv"));
        Assert.Equal(new[] { "1", "2", "3", "4" }, lines.Skip(1).Select(l => l.Split(',')[0]));
    }

    [Fact]
    public void Image_rejects_a_batch_with_the_expected_shape_in_the_message()
    {
        var log = new MetricsLog(_dir);
        var e = Assert.Throws<ArgumentException>(() => log.Image("grid", zeros(2, 1, 4, 4), 1));
        Assert.Contains("[C, H, W]", e.Message);
        Assert.Contains("[2, 1, 4, 4]", e.Message);
    }
}
