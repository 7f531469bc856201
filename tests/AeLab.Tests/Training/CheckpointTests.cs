using AeLab.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Tests.Training;

public class CheckpointTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), "aelab-ckpt-" + Guid.NewGuid().ToString("N"));

    public CheckpointTests() => Lab.Init(seed: 3, threads: 1);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    static TinyAutoencoder Model(long seed, TinyConfig? config = null)
    {
        Lab.Seed(seed);
        return new TinyAutoencoder(config ?? new TinyConfig());
    }

    static bool SameWeights(nn.Module a, nn.Module b) =>
        a.parameters().Zip(b.parameters()).All(p => p.First.equal(p.Second).all().item<bool>());

    [Fact]
    public void Round_trip_restores_weights_optimizer_epoch_config_and_history()
    {
        var path = Path.Combine(_dir, "nested", "tiny.ckpt");
        var model = Model(1);
        using var opt = optim.Adam(model.parameters(), 1e-2);
        var trainer = new Trainer(model, opt) { Quiet = true, Config = new TinyConfig() };
        var result = trainer.Fit(new SyntheticBatches(), 2);
        trainer.Save(path);

        var other = Model(2);
        using var opt2 = optim.Adam(other.parameters(), 1e-2);
        Assert.False(SameWeights(model, other));
        var info = Checkpoint.Load(path, other, opt2);

        Assert.True(SameWeights(model, other));
        Assert.Equal(2, info.Epoch);
        Assert.Equal(new TinyConfig(), info.Config<TinyConfig>());
        Assert.Equal(result.Curve("loss"), info.History.Select(e => e["loss"]));
        Assert.Equal("Adam", info.OptimizerType);
        Assert.EndsWith(nameof(TinyAutoencoder), info.ModelType);

        // Same optimizer state: one more identical step gives identical weights.
        var batch = new SyntheticBatches(shuffle: false).First();
        foreach (var (m, o) in new[] { (model, opt), (other, opt2) })
        {
            o.zero_grad();
            m.Loss(batch.X).Loss.backward();
            o.step();
        }
        Assert.True(SameWeights(model, other));
    }

    [Fact]
    public void Loading_into_another_architecture_names_the_tensor_the_shapes_and_the_file()
    {
        var path = Path.Combine(_dir, "wide.ckpt");
        Checkpoint.Save(path, Model(1, new TinyConfig(Hidden: 8)), config: new TinyConfig(Hidden: 8));
        var narrow = Model(2, new TinyConfig(Hidden: 6));
        var before = narrow.parameters().Select(p => p.clone()).ToList();

        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, narrow));
        Assert.Contains("'encoder.0.weight'", e.Message);
        Assert.Contains("[8, 16] in the file but [6, 16] in the model", e.Message);
        Assert.Contains(path, e.Message);
        Assert.Contains("\"hidden\":8", e.Message); // the saved configuration, to rebuild the right model
        // Nothing was changed.
        Assert.All(narrow.parameters().Zip(before), p => Assert.True(p.First.equal(p.Second).all().item<bool>()));
    }

    [Fact]
    public void Missing_file_and_foreign_file_get_clear_messages()
    {
        var missing = Path.Combine(_dir, "none.ckpt");
        var e1 = Assert.Throws<FileNotFoundException>(() => Checkpoint.Load(missing, Model(1)));
        Assert.Contains(missing, e1.Message);

        Directory.CreateDirectory(_dir);
        var foreign = Path.Combine(_dir, "weights.bin");
        File.WriteAllText(foreign, "not a checkpoint at all");
        var e2 = Assert.Throws<CheckpointException>(() => Checkpoint.Load(foreign, Model(1)));
        Assert.Contains("not an AeLab checkpoint", e2.Message);
    }

    [Fact]
    public void A_failure_in_the_middle_of_a_save_leaves_the_previous_checkpoint_loadable()
    {
        var path = Path.Combine(_dir, "atomic.ckpt");
        var good = Model(1);
        Checkpoint.Save(path, good, epoch: 1, config: new TinyConfig());
        var goodBytes = File.ReadAllBytes(path);

        var changed = Model(2);
        var e = Assert.Throws<CheckpointException>(() =>
            Checkpoint.Save(path, changed, null, 2, new TinyConfig(), null, 0, s => new FailingStream(s, failAfter: 600)));
        Assert.Contains("disk full", e.Message);
        Assert.Contains($"'{path}'", e.Message); // the target, not the temporary file
        Assert.DoesNotContain(".tmp", e.Message);

        Assert.Equal(goodBytes, File.ReadAllBytes(path));
        var loaded = Model(3);
        Assert.Equal(1, Checkpoint.Load(path, loaded).Epoch);
        Assert.True(SameWeights(good, loaded));
        Assert.Single(Directory.GetFiles(_dir)); // no temporary file left behind
    }

    [Fact]
    public void A_truncated_file_is_reported_and_leaves_the_model_unchanged()
    {
        var path = Path.Combine(_dir, "cut.ckpt");
        Checkpoint.Save(path, Model(1));
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 200)]);
        var model = Model(2);
        var before = model.parameters().Select(p => p.clone()).ToList();
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, model));
        Assert.Contains("cut.ckpt", e.Message);
        Assert.Contains("delete it to retrain", e.Message);
        Assert.All(model.parameters().Zip(before), p => Assert.True(p.First.equal(p.Second).all().item<bool>()));
    }

    [Fact]
    public void LoadOrTrain_trains_once_then_loads_weights_and_history()
    {
        var path = Path.Combine(_dir, "lot.ckpt");
        int trainings = 0;
        TrainResult Train(TinyAutoencoder m)
        {
            trainings++;
            using var opt = optim.Adam(m.parameters(), 1e-2);
            return new Trainer(m, opt) { Quiet = true }.Fit(new SyntheticBatches(), 2);
        }

        var first = Model(1);
        var r1 = Checkpoint.LoadOrTrain(path, first, () => Train(first), config: new TinyConfig(), quiet: true);
        var second = Model(2);
        var r2 = Checkpoint.LoadOrTrain(path, second, () => Train(second), config: new TinyConfig(), quiet: true);

        Assert.Equal(1, trainings);
        Assert.False(r1.FromCheckpoint);
        Assert.True(r2.FromCheckpoint);
        Assert.Equal(r1.Curve("loss"), r2.Curve("loss"));
        Assert.True(SameWeights(first, second));

        // Another configuration in the same file: train anew instead of loading stale weights.
        var third = Model(3, new TinyConfig(Hidden: 6));
        var r3 = Checkpoint.LoadOrTrain(path, third, () => Train(third), config: new TinyConfig(Hidden: 6), quiet: true);
        Assert.Equal(2, trainings);
        Assert.False(r3.FromCheckpoint);
        Assert.Equal(new TinyConfig(Hidden: 6), Checkpoint.Info(path).Config<TinyConfig>());

        // The same configuration but weights of another architecture (the library's model changed since the save):
        // train anew and replace the file, instead of failing in the lesson.
        var fourth = Model(4, new TinyConfig(Hidden: 5));
        var r4 = Checkpoint.LoadOrTrain(path, fourth, () => Train(fourth), config: new TinyConfig(Hidden: 6), quiet: true);
        Assert.Equal(3, trainings);
        Assert.False(r4.FromCheckpoint);
        var fifth = Model(5, new TinyConfig(Hidden: 5));
        Assert.True(Checkpoint.LoadOrTrain(path, fifth, () => Train(fifth), config: new TinyConfig(Hidden: 6), quiet: true).FromCheckpoint);
        Assert.True(SameWeights(fourth, fifth));
    }

    [Fact]
    public void Lesson_checkpoints_and_runs_live_under_notebooks_with_smoke_runs_apart()
    {
        var old = Environment.GetEnvironmentVariable(Lab.SmokeVariable);
        try
        {
            Environment.SetEnvironmentVariable(Lab.SmokeVariable, null);
            Assert.EndsWith(Path.Combine("notebooks", "checkpoints", "01-autoencoder", "mlp.ckpt"), Course.Checkpoint("01-autoencoder", "mlp"));
            Assert.EndsWith(Path.Combine("notebooks", "runs", "01-autoencoder"), Course.Runs("01-autoencoder"));
            Environment.SetEnvironmentVariable(Lab.SmokeVariable, "1");
            Assert.EndsWith(Path.Combine("notebooks", "checkpoints", "01-autoencoder", "smoke", "mlp.ckpt"), Course.Checkpoint("01-autoencoder", "mlp"));
            Assert.EndsWith(Path.Combine("notebooks", "runs", "01-autoencoder", "smoke", "beta-0.1"), Course.Runs("01-autoencoder", "beta-0.1"));
            Assert.EndsWith(Path.Combine("notebooks", "checkpoints", "08-conv-vae-pokemon", "smoke", "vae_model.pth"), Course.LessonFile("08-conv-vae-pokemon", "vae_model.pth"));
            Environment.SetEnvironmentVariable(Lab.SmokeVariable, "yes");
            Assert.True(Course.Smoke);

            // An explicit path is used as given, in either mode: the smoke folder is applied once, by Course.
            var path = Path.Combine(_dir, "mode.ckpt");
            Checkpoint.LoadOrTrain(path, Model(1), () => new TrainResult(Array.Empty<EpochRecord>(), 0), quiet: true);
            Assert.True(File.Exists(path));
        }
        finally
        {
            Environment.SetEnvironmentVariable(Lab.SmokeVariable, old);
        }
        Assert.Throws<ArgumentException>(() => Course.Checkpoint("notebooks/01-autoencoder.dib", "mlp"));
        Assert.Throws<ArgumentException>(() => Course.Checkpoint("01-autoencoder", " "));
        Assert.Throws<ArgumentException>(() => Course.LessonFile("08-conv-vae-pokemon", "../vae_model.pth"));
    }

    /// <summary>Passes writes through until <c>failAfter</c> bytes, then fails like a full disk (errno ENOSPC), or with
    /// the given errno and message.</summary>
    internal sealed class FailingStream(Stream inner, long failAfter, int error = 28, string message = "No space left on device (simulated disk full).") : Stream
    {
        long _written;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _written;
        public override long Position { get => _written; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (_written + count > failAfter)
            {
                var part = (int)Math.Max(0, failAfter - _written);
                inner.Write(buffer, offset, part);
                _written += part;
                throw new IOException(message, error);
            }
            inner.Write(buffer, offset, count);
            _written += count;
        }
    }
}
