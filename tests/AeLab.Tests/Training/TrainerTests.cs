using AeLab.Runtime;
using AeLab.Data;
using AeLab.Models;
using AeLab.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Tests.Training;

public class TrainerTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), "aelab-trainer-" + Guid.NewGuid().ToString("N"));

    public TrainerTests() => Lab.Init(seed: 3, threads: 1);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    static (TinyAutoencoder Model, optim.Optimizer Opt) Fresh(long seed = 11, double lr = 1e-2)
    {
        Lab.Seed(seed);
        var m = new TinyAutoencoder(new TinyConfig());
        return (m, optim.Adam(m.parameters(), lr));
    }

    [Fact]
    public void Evaluation_of_a_loss_that_draws_gives_the_same_figures_every_call_and_leaves_the_generator_as_it_was()
    {
        var (model, _) = Fresh();
        var batches = new SyntheticBatches(shuffle: false);
        // A loss with noise in it, like a VAE's reparameterisation.
        LossOutput Noisy(Batch b) { var l = ((ITrainable)model).Loss(b).Loss + randn(1).abs().sum(); return new LossOutput(l, new Dictionary<string, Tensor>()); }
        var evaluate = Trainer.Evaluation(model, batches, Noisy, seed: 5);
        Lab.Seed(123);
        var first = evaluate();
        var next = rand(1).item<float>();
        Lab.Seed(123);
        Assert.Equal(next, rand(1).item<float>());            // the draw after evaluating is the draw without it
        var second = evaluate();
        Assert.Equal(first["val_loss"], second["val_loss"]);
        Assert.True(model.training);
    }

    [Fact]
    public void Fit_lowers_the_loss_and_records_train_validation_and_lr_per_epoch()
    {
        var (model, opt) = Fresh();
        var trainer = new Trainer(model, opt) { Validation = new SyntheticBatches(32, shuffle: false, seed: 8), Quiet = true };
        var result = trainer.Fit(new SyntheticBatches(), epochs: 5);

        Assert.Equal(new[] { 1, 2, 3, 4, 5 }, result.History.Select(e => e.Epoch));
        Assert.False(result.Diverged);
        var first = result.History[0];
        foreach (var key in new[] { "loss", "mse", "half_mse", "val_loss", "val_mse", "val_half_mse", "lr" })
            Assert.True(first.Metrics.ContainsKey(key), $"missing {key}: {string.Join(",", first.Metrics.Keys)}");
        Assert.Equal(first["mse"] / 2, first["half_mse"], 9);
        Assert.True(result.Curve("loss")[^1] < result.Curve("loss")[0] * 0.8, string.Join(" ", result.Curve("loss")));
        Assert.Equal(1e-2, first["lr"], 12);
        Assert.True(result.Seconds > 0);
    }

    [Fact]
    public void Epoch_metrics_are_the_mean_of_the_batch_losses()
    {
        var (model, _) = Fresh();
        var data = new SyntheticBatches(shuffle: false);
        // With a zero learning rate the weights stay put, so the epoch mean can be recomputed afterwards.
        using var sgd = optim.SGD(model.parameters(), 0.0);
        // float32 steps, as the recomputation below (bfloat16 steps, the default on some CPUs, differ in the 4th digit).
        var result = new Trainer(model, sgd) { Quiet = true, TrainingPrecision = TrainingPrecision.Float32 }.Fit(data, epochs: 1);
        double expected;
        using (no_grad())
            expected = data.Select(b => model.Loss(b.X).Loss.item<float>()).Average();
        Assert.Equal(expected, result.History[0]["loss"], 6);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("onecycle")]
    [InlineData("cosine")]
    [InlineData("linear")]
    [InlineData("noise")]
    public void Resumed_run_reproduces_the_uninterrupted_run_loss_for_loss(string schedule)
    {
        // "noise": a model that draws random numbers every step; the per-epoch reseed makes its resume exact too.
        (TinyAutoencoder, optim.Optimizer) Fresh(long seed = 11)
        {
            var (m, o) = TrainerTests.Fresh(seed);
            if (schedule == "noise") m.InputNoise = 0.1;
            return (m, o);
        }
        Schedule? Make() => schedule switch
        {
            "onecycle" => Schedule.OneCycle(2e-2),
            "cosine" => Schedule.Cosine(1e-4),
            "linear" => Schedule.LinearDecay(0.1),
            _ => null,
        };
        var data = new SyntheticBatches();

        var (a, optA) = Fresh();
        var straight = new Trainer(a, optA) { Schedule = Make(), Quiet = true }.Fit(data, epochs: 4);

        // The same 4-epoch run, interrupted after epoch 2 (its checkpoint is written before the hook runs).
        var path = Path.Combine(_dir, "resume.ckpt");
        var (b, optB) = Fresh();
        var first = new Trainer(b, optB)
        {
            Schedule = Make(), Quiet = true, Config = new TinyConfig(), CheckpointPath = path,
            OnEpoch = e => { if (e.Epoch == 2) throw new OperationCanceledException("interrupted"); },
        };
        Assert.Throws<OperationCanceledException>(() => first.Fit(data, epochs: 4));

        // A different initialisation and a fresh optimizer: everything must come from the file.
        var (c, optC) = Fresh(seed: 999);
        var second = new Trainer(c, optC) { Schedule = Make(), Quiet = true };
        var info = second.Resume(path);
        Assert.Equal(2, info.Epoch);
        Assert.Equal(new TinyConfig(), info.Config<TinyConfig>());
        var resumed = second.Fit(data, epochs: 4);

        Assert.Equal(straight.Curve("loss"), resumed.Curve("loss"));
        Assert.Equal(straight.Curve("lr"), resumed.Curve("lr"));
        Assert.Equal(4, resumed.History.Count);
        foreach (var (pa, pc) in a.parameters().Zip(c.parameters()))
            Assert.True(pa.equal(pc).all().item<bool>());
    }

    [Fact]
    public void Resumed_run_over_a_fresh_data_loader_sees_the_same_batches()
    {
        // A new DataLoader after a restart starts counting epochs at 0; the trainer must tell it
        // which epoch comes next, or the shuffled order differs from the uninterrupted run.
        var g = new Generator(5);
        using var images = new ImageDataset(rand(48, 1, 1, 16, generator: g));
        DataLoader Loader() => new(images, batchSize: 8, shuffle: true, device: CPU, seed: 4);

        var (a, optA) = Fresh();
        var straight = new Trainer(a, optA) { Quiet = true }.Fit(Loader(), epochs: 4);

        var path = Path.Combine(_dir, "loader.ckpt");
        var (b, optB) = Fresh();
        var first = new Trainer(b, optB)
        {
            Quiet = true, Config = new TinyConfig(), CheckpointPath = path,
            OnEpoch = e => { if (e.Epoch == 2) throw new OperationCanceledException("interrupted"); },
        };
        Assert.Throws<OperationCanceledException>(() => first.Fit(Loader(), epochs: 4));

        var (c, optC) = Fresh(seed: 999);
        var second = new Trainer(c, optC) { Quiet = true };
        second.Resume(path);
        var resumed = second.Fit(Loader(), epochs: 4);
        Assert.Equal(straight.Curve("loss"), resumed.Curve("loss"));
    }

    [Fact]
    public void Per_batch_schedule_steps_every_batch_and_per_epoch_schedule_every_epoch()
    {
        var data = new SyntheticBatches();
        var (m1, o1) = Fresh();
        var oneCycle = new Trainer(m1, o1) { Schedule = Schedule.OneCycle(1e-2), Quiet = true }.Fit(data, epochs: 3);
        // One-cycle over 3 × 8 steps ends far below its peak (max_lr / (25 · 1e4)).
        Assert.True(oneCycle.History[^1]["lr"] < 1e-6, oneCycle.History[^1]["lr"].ToString());

        var (m2, o2) = Fresh(lr: 1e-2);
        var cosine = new Trainer(m2, o2) { Schedule = Schedule.Cosine(0), Quiet = true }.Fit(data, epochs: 4);
        // Cosine over 4 epochs: after epoch 2 the rate is half the start.
        Assert.Equal(5e-3, cosine.History[1]["lr"], 9);
        Assert.Equal(0, cosine.History[3]["lr"], 9);
    }

    [Fact]
    public void Nan_loss_stops_training_with_a_clear_message_and_restores_the_last_good_checkpoint()
    {
        var (model, opt) = Fresh();
        model.PoisonAfter = 8 * 2 + 3; // the 4th step of epoch 3 turns NaN
        var path = Path.Combine(_dir, "nan.ckpt");
        var trainer = new Trainer(model, opt) { CheckpointPath = path, Quiet = true };
        var result = trainer.Fit(new SyntheticBatches(), epochs: 6);

        Assert.True(result.Diverged);
        Assert.Contains("NaN", result.StopReason);
        Assert.Contains("epoch 3", result.StopReason);
        Assert.Contains(path, result.StopReason);
        Assert.Equal(2, result.Epochs);
        Assert.Equal(2, Checkpoint.Info(path).Epoch);
        foreach (var p in model.parameters())
            Assert.True(isfinite(p).all().item<bool>());

        // The restored weights are exactly the checkpoint's.
        var check = new TinyAutoencoder(new TinyConfig());
        Checkpoint.Load(path, check);
        foreach (var (p, q) in model.parameters().Zip(check.parameters()))
            Assert.True(p.equal(q).all().item<bool>());
    }

    [Fact]
    public void Nan_loss_without_a_checkpoint_says_how_to_fix_it()
    {
        var (model, opt) = Fresh();
        model.PoisonAfter = 0;
        var result = new Trainer(model, opt) { Quiet = true }.Fit(new SyntheticBatches(), epochs: 3);
        Assert.True(result.Diverged);
        Assert.Contains("epoch 1", result.StopReason);
        Assert.Contains("learning rate", result.StopReason);
        Assert.Empty(result.History);
    }

    [Fact]
    public void Hooks_run_every_n_epochs_and_after_the_last_in_eval_mode_without_gradients()
    {
        var (model, opt) = Fresh();
        var seen = new List<(int Epoch, bool Training, bool Grad)>();
        new Trainer(model, opt)
        {
            Quiet = true, HookEvery = 2,
            OnEpoch = e => seen.Add((e.Epoch, model.training, is_grad_enabled())),
        }.Fit(new SyntheticBatches(), epochs: 5);
        Assert.Equal(new[] { 2, 4, 5 }, seen.Select(s => s.Epoch));
        Assert.All(seen, s => Assert.False(s.Training));
        Assert.All(seen, s => Assert.False(s.Grad));
        Assert.True(model.training);
    }

    [Fact]
    public void A_custom_step_trains_models_whose_training_is_not_just_loss()
    {
        var (model, _) = Fresh();
        using var encoderOpt = optim.Adam(model.parameters(), 1e-2);
        int calls = 0;
        var trainer = new Trainer(model, encoderOpt, loss: batch =>
        {
            calls++;
            var recon = model.forward(batch.X);
            var loss = nn.functional.l1_loss(recon, batch.X);
            return new LossOutput(loss, new Dictionary<string, Tensor> { ["l1"] = loss });
        }) { Quiet = true };
        var result = trainer.Fit(new SyntheticBatches(), epochs: 3);
        Assert.Equal(24, calls);
        Assert.Equal(result.History[0]["loss"], result.History[0]["l1"], 12);
        Assert.True(result.Curve("l1")[^1] < result.Curve("l1")[0]);
    }

    [Fact]
    public void A_model_without_loss_and_without_a_custom_step_is_refused_with_the_fix()
    {
        var lin = nn.Linear(4, 4);
        using var opt = optim.SGD(lin.parameters(), 0.1);
        var e = Assert.Throws<ArgumentException>(() => new Trainer(lin, opt));
        Assert.Contains("ITrainable", e.Message);
    }

    [Fact]
    public void Empty_training_data_is_reported()
    {
        var (model, opt) = Fresh();
        var e = Assert.Throws<InvalidOperationException>(() => new Trainer(model, opt) { Quiet = true }.Fit(Array.Empty<Batch>(), 1));
        Assert.Contains("no batches", e.Message);
    }

    [Fact]
    public void Same_seed_gives_the_same_curve()
    {
        var data = new SyntheticBatches();
        var (a, oa) = Fresh();
        var ra = new Trainer(a, oa) { Quiet = true, Seed = 5 }.Fit(data, 3);
        var (b, ob) = Fresh();
        var rb = new Trainer(b, ob) { Quiet = true, Seed = 5 }.Fit(data, 3);
        var (c, oc) = Fresh();
        var rc = new Trainer(c, oc) { Quiet = true, Seed = 6 }.Fit(data, 3);
        Assert.Equal(ra.Curve("loss"), rb.Curve("loss"));
        Assert.NotEqual(ra.Curve("loss"), rc.Curve("loss")); // another seed shuffles differently
    }

    [Fact]
    public void Console_progress_prints_one_line_per_epoch_when_output_is_redirected()
    {
        var (model, opt) = Fresh();
        var sw = new StringWriter();
        new Trainer(model, opt) { ProgressOverride = (Progress.Mode.Lines, sw) }.Fit(new SyntheticBatches(), 3);
        var lines = sw.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("epoch 1/3 [", lines[0]);
        Assert.Contains("step 8/8", lines[0]);
        Assert.Contains("loss ", lines[0]);
        Assert.Contains("ETA", lines[0]);
        Assert.Contains("100%", lines[2]);
        Assert.DoesNotContain("ETA", lines[2]);
    }

    [Fact]
    public void Terminal_progress_rewrites_one_line_and_quiet_prints_nothing()
    {
        var (model, opt) = Fresh();
        var sw = new StringWriter();
        new Trainer(model, opt) { ProgressOverride = (Progress.Mode.Terminal, sw) }.Fit(new SyntheticBatches(), 2);
        var text = sw.ToString();
        Assert.StartsWith("\repoch 1/2", text); // the live line, drawn at the first step
        // Each epoch leaves one summary line; the live line is rewritten in place with \r and wiped at the end.
        var rows = text.Split('\n');
        Assert.Equal(3, rows.Length);
        Assert.Contains("epoch 1/2", rows[0].Split('\r')[^1]);
        Assert.Contains("step 8/8", rows[0].Split('\r')[^1]);
        Assert.Contains("epoch 2/2", rows[1].Split('\r')[^1]);
        Assert.Equal("", rows[2].Split('\r')[^1]);

        var quiet = new StringWriter();
        var (m2, o2) = Fresh();
        new Trainer(m2, o2) { Quiet = true, ProgressOverride = (Progress.Mode.Lines, quiet) }.Fit(new SyntheticBatches(), 2);
        Assert.Equal("", quiet.ToString());
    }

    [Fact]
    public void Streamed_batches_are_disposed_after_their_step_and_collections_are_kept()
    {
        var (model, opt) = Fresh();
        var kept = new SyntheticBatches(shuffle: false).ToList();
        var streamed = new List<Batch>();
        IEnumerable<Batch> Stream() { foreach (var b in new SyntheticBatches(shuffle: false)) { streamed.Add(b); yield return b; } }

        var trainer = new Trainer(model, opt) { Quiet = true };
        trainer.Fit(kept, 1);
        Assert.All(kept, b => Assert.False(b.X.IsInvalid));
        trainer.Fit(Stream(), 2);
        Assert.All(streamed, b => Assert.True(b.X.IsInvalid));
    }

    [Fact]
    public void One_call_fit_trains_an_autoencoder_with_adam()
    {
        Lab.Seed(1);
        var model = new TinyAutoencoder(new TinyConfig());
        var result = Trainer.Fit(model, new SyntheticBatches(), epochs: 3, learningRate: 1e-2, quiet: true);
        Assert.Equal(3, result.Epochs);
        Assert.True(result.Curve("loss")[^1] < result.Curve("loss")[0]);
        Assert.Contains("3 epochs", result.ToString());
    }
}
