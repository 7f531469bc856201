using AeLab.Runtime;
using AeLab.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Tests.Training;

/// <summary>The loading order of Checkpoint.LoadOrTrain: own checkpoint → shipped weights (checked) → train.</summary>
public sealed class ShippedWeightsTests : IDisposable
{
    readonly string _root = Path.Combine(Path.GetTempPath(), "aelab-shipped-" + Guid.NewGuid().ToString("N")[..8]);
    readonly Dictionary<string, string?> _env = new();

    public ShippedWeightsTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "notebooks"));
        Directory.CreateDirectory(Path.Combine(_root, "lib"));
        Course.RootOverride = _root;
        foreach (var v in new[] { Course.SmokeVariable, Course.TrainVariable, Course.ExportVariable, Course.ShippedVariable })
        {
            _env[v] = Environment.GetEnvironmentVariable(v);
            Environment.SetEnvironmentVariable(v, null);
        }
        Lab.Init(seed: 3);
    }

    public void Dispose()
    {
        Course.RootOverride = null;
        foreach (var (k, v) in _env) Environment.SetEnvironmentVariable(k, v);
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    static TinyAutoencoder Model(int seed) { Lab.Seed(seed); return new TinyAutoencoder(new TinyConfig()); }

    static TrainResult Train(TinyAutoencoder m, ref int count)
    {
        count++;
        using var opt = optim.Adam(m.parameters(), 1e-2);
        return new Trainer(m, opt) { Quiet = true }.Fit(new SyntheticBatches(), epochs: 2);
    }

    /// <summary>Trains and exports lesson "01-x"'s model "ae" as shipped weights, then deletes the learner's checkpoint.</summary>
    (TinyAutoencoder Trained, string Path) Ship(bool half, Func<TinyAutoencoder, IReadOnlyDictionary<string, double>>? evaluate = null)
    {
        var path = Course.Checkpoint("01-x", "ae");
        var m = Model(1);
        int n = 0;
        Environment.SetEnvironmentVariable(Course.ExportVariable, "1");
        Environment.SetEnvironmentVariable(Course.TrainVariable, "1");
        Checkpoint.LoadOrTrain(path, m, () => Train(m, ref n), config: new TinyConfig(), quiet: true,
            evaluate: evaluate is null ? (half ? () => new Dictionary<string, double>() : null) : () => evaluate(m));
        Environment.SetEnvironmentVariable(Course.ExportVariable, null);
        Environment.SetEnvironmentVariable(Course.TrainVariable, null);
        File.Delete(path);
        return (m, path);
    }

    static bool SameWeights(nn.Module a, nn.Module b, double atol) =>
        a.parameters().Zip(b.parameters()).All(p => p.First.allclose(p.Second, atol: atol));

    [Fact]
    public void Shipped_weights_load_when_there_is_no_checkpoint_of_ones_own_and_the_configuration_matches()
    {
        var (trained, path) = Ship(half: false);
        var entry = Assert.Single(ShippedWeights.Manifest());
        Assert.Equal(("01-x", "ae", "float32"), (entry.Lesson, entry.Name, entry.DType));
        Assert.Equal(ShippedWeights.Sha256(Path.Combine(ShippedWeights.Folder, entry.File)), entry.Sha256);
        Assert.True(entry.Metrics.ContainsKey("loss"));

        var fresh = Model(2);
        int trainings = 0;
        var output = new StringWriter();
        var old = Console.Out; Console.SetOut(output);
        TrainResult r;
        try { r = Checkpoint.LoadOrTrain(path, fresh, () => Train(fresh, ref trainings), config: new TinyConfig()); }
        finally { Console.SetOut(old); }
        Assert.Equal(0, trainings);
        Assert.True(r.FromCheckpoint);
        Assert.Equal(2, r.Epochs);
        Assert.True(SameWeights(trained, fresh, 0));
        Assert.Contains("shipped weights", output.ToString());
        Assert.Contains("AELAB_TRAIN=1", output.ToString());
        Assert.False(File.Exists(path), "loading shipped weights writes no checkpoint of one's own");
    }

    [Fact]
    public void The_training_switch_and_a_changed_recipe_train_instead_and_smoke_mode_never_loads_them()
    {
        var (_, path) = Ship(half: false);
        int trainings = 0;
        var m = Model(2);
        Checkpoint.LoadOrTrain(path, m, () => Train(m, ref trainings), config: new TinyConfig(Hidden: 6), quiet: true);
        Assert.Equal(1, trainings);   // another configuration: train, do not load stale weights
        File.Delete(path);

        Environment.SetEnvironmentVariable(Course.TrainVariable, "1");
        Checkpoint.LoadOrTrain(path, m, () => Train(m, ref trainings), config: new TinyConfig(), quiet: true);
        Assert.Equal(2, trainings);
        Checkpoint.LoadOrTrain(path, m, () => Train(m, ref trainings), config: new TinyConfig(), quiet: true);
        Assert.Equal(3, trainings);   // not even one's own checkpoint is loaded
        Environment.SetEnvironmentVariable(Course.TrainVariable, null);

        Environment.SetEnvironmentVariable(Course.SmokeVariable, "1");
        var smokePath = Course.Checkpoint("01-x", "ae");
        Assert.Contains(Path.Combine("01-x", "smoke"), smokePath);
        Checkpoint.LoadOrTrain(smokePath, m, () => Train(m, ref trainings), config: new TinyConfig(), quiet: true);
        Assert.Equal(4, trainings);
    }

    [Fact]
    public void A_damaged_shipped_file_is_refused_with_both_hashes_and_how_to_restore_it()
    {
        var (_, path) = Ship(half: false);
        var entry = Assert.Single(ShippedWeights.Manifest());
        var file = Path.Combine(ShippedWeights.Folder, entry.File);
        var bytes = File.ReadAllBytes(file);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(file, bytes);
        var m = Model(2);
        int trainings = 0;
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.LoadOrTrain(path, m, () => Train(m, ref trainings), config: new TinyConfig(), quiet: true));
        Assert.Contains(entry.Sha256, e.Message);
        Assert.Contains(ShippedWeights.Sha256(file), e.Message);
        Assert.Contains("git checkout -- notebooks/weights/01-x/ae.ckpt", e.Message);
        Assert.Equal(0, trainings);
        File.Delete(file);
        Assert.Contains("missing", Assert.Throws<CheckpointException>(() => Checkpoint.LoadOrTrain(path, m, () => Train(m, ref trainings), config: new TinyConfig(), quiet: true)).Message);
    }

    [Fact]
    public void Float16_weights_store_two_bytes_a_weight_and_load_into_a_float32_model()
    {
        Ship(half: false);
        // Compared unpacked: the packed sizes depend on how well the bytes compress.
        long Unpacked(ShippedEntry e) => PackedWeights.Unpack(Path.Combine(ShippedWeights.Folder, e.File)).LongLength;
        long bytes32 = Unpacked(Assert.Single(ShippedWeights.Manifest()));
        var (trained, path) = Ship(half: true, evaluate: m => new Dictionary<string, double> { ["val_w"] = Math.Round(m.parameters().First().sum().item<float>(), 1) });
        var entry = Assert.Single(ShippedWeights.Manifest());   // the second export replaced the first entry
        Assert.Equal("float16", entry.DType);
        // The exporting lesson goes on with the weights it ships (a prior trained on its codes sees what a learner's load gives).
        Assert.All(trained.parameters(), p => Assert.True(p.equal(p.to(ScalarType.Float16).to(ScalarType.Float32)).all().item<bool>()));
        long weights = trained.parameters().Sum(p => p.numel());
        Assert.True(bytes32 - Unpacked(entry) >= 2 * weights - 16, $"float32 {bytes32} bytes, float16 {Unpacked(entry)} bytes, {weights} weights");
        Assert.True(PackedWeights.IsPacked(Path.Combine(ShippedWeights.Folder, entry.File)));
        var fresh = Model(2);
        int trainings = 0;
        Checkpoint.LoadOrTrain(path, fresh, () => Train(fresh, ref trainings), config: new TinyConfig(), quiet: true);
        Assert.Equal(0, trainings);
        Assert.Equal(ScalarType.Float32, fresh.parameters().First().dtype);
        Assert.True(SameWeights(trained, fresh, 1e-2));
    }

    [Fact]
    public void Float16_ships_when_the_figures_move_less_than_the_lessons_print_and_not_when_they_move_more()
    {
        // A perplexity printed to 0.1 and an MSE printed to 0.0001.
        var recorded = new Dictionary<string, double> { ["val_perplexity"] = 85.700, ["val_mse"] = 0.05090 };
        var unseen = new Dictionary<string, double> { ["val_perplexity"] = 85.713, ["val_mse"] = 0.05093 };
        var seen = new Dictionary<string, double> { ["val_perplexity"] = 85.75, ["val_mse"] = 0.0510 };
        Assert.Empty(ShippedWeights.Moved(recorded, unseen, ShippedWeights.HalfPrecisionTolerance));
        Assert.Equal(new[] { "val_perplexity", "val_mse" }, ShippedWeights.Moved(recorded, seen, ShippedWeights.HalfPrecisionTolerance));
        Assert.Equal(new[] { "val_mse" }, ShippedWeights.Moved(recorded, new Dictionary<string, double> { ["val_perplexity"] = 85.7 }, ShippedWeights.HalfPrecisionTolerance));
        // Reproducing stored weights on a CPU is stricter: the same weights give the same sums.
        if (Lab.Device.type == DeviceType.CPU)
            Assert.Equal(new[] { "val_perplexity" }, ShippedWeights.Moved(recorded, unseen));
    }

    static IReadOnlyDictionary<string, double> FirstWeightSum(TinyAutoencoder m) =>
        new Dictionary<string, double> { ["val_w"] = m.parameters().First().sum().item<float>() };

    [Fact]
    public void Loading_shipped_weights_reproduces_the_recorded_figures_or_is_refused_with_how_to_retrain()
    {
        var (_, path) = Ship(half: false, evaluate: FirstWeightSum);
        var entry = Assert.Single(ShippedWeights.Manifest());
        Assert.NotNull(entry.Check);
        Assert.True(entry.Check!.ContainsKey("val_w"));

        var fresh = Model(2);
        int trainings = 0;
        var output = new StringWriter();
        var old = Console.Out; Console.SetOut(output);
        try { Checkpoint.LoadOrTrain(path, fresh, () => Train(fresh, ref trainings), config: new TinyConfig(), evaluate: () => FirstWeightSum(fresh)); }
        finally { Console.SetOut(old); }
        Assert.Equal(0, trainings);
        Assert.Contains("reproduce their recorded figures (val_w", output.ToString());

        // The lesson's evaluation now gives another figure (its data or evaluation changed): refused, nothing trains.
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.LoadOrTrain(path, fresh, () => Train(fresh, ref trainings), config: new TinyConfig(), quiet: true,
            evaluate: () => new Dictionary<string, double> { ["val_w"] = entry.Check!["val_w"] + 1 }));
        Assert.Contains("01-x/ae.ckpt", e.Message);
        Assert.Contains("val_w recorded", e.Message);
        Assert.Contains("train-weights.sh notebooks/01-x.dib", e.Message);
        Assert.Equal(0, trainings);
    }

    [Fact]
    public void Shipped_only_mode_ignores_ones_own_checkpoint_and_fails_instead_of_training()
    {
        var (trained, path) = Ship(half: false);
        // One's own checkpoint of the same recipe, with other weights: ignored in shipped-only mode.
        var own = Model(5);
        Checkpoint.Save(path, own, config: new TinyConfig());
        Environment.SetEnvironmentVariable(Course.ShippedVariable, "1");
        Environment.SetEnvironmentVariable(Course.TrainVariable, "1");   // and it wins over the training switch
        var m = Model(2);
        int trainings = 0;
        Checkpoint.LoadOrTrain(path, m, () => Train(m, ref trainings), config: new TinyConfig(), quiet: true);
        Assert.Equal(0, trainings);
        Assert.True(SameWeights(trained, m, 0));

        var changed = Assert.Throws<CheckpointException>(() => Checkpoint.LoadOrTrain(path, m, () => Train(m, ref trainings), config: new TinyConfig(Hidden: 6), quiet: true));
        Assert.Contains("another configuration", changed.Message);
        Assert.Contains("train-weights.sh notebooks/01-x.dib", changed.Message);
        var missing = Assert.Throws<CheckpointException>(() => Checkpoint.LoadOrTrain(Course.Checkpoint("01-x", "other"), m, () => Train(m, ref trainings), config: new TinyConfig(), quiet: true));
        Assert.Contains("no shipped weights for 01-x/other", missing.Message);
        Assert.Equal(0, trainings);
    }

    [Fact]
    public void Exporting_after_loading_ones_own_checkpoint_ships_it_without_training_again()
    {
        var path = Course.Checkpoint("01-x", "ae");
        var m = Model(1);
        int trainings = 0;
        Checkpoint.LoadOrTrain(path, m, () => Train(m, ref trainings), config: new TinyConfig(), quiet: true);
        Assert.Empty(ShippedWeights.Manifest());
        Environment.SetEnvironmentVariable(Course.ExportVariable, "1");
        var again = Model(2);
        Checkpoint.LoadOrTrain(path, again, () => Train(again, ref trainings), config: new TinyConfig(), quiet: true, evaluate: () => FirstWeightSum(again));
        Assert.Equal(1, trainings);
        var entry = Assert.Single(ShippedWeights.Manifest());
        Assert.Equal(2, entry.Epochs);
        Assert.NotNull(entry.Check);
    }

    [Fact]
    public void A_lesson_borrowing_a_model_loads_its_owners_checkpoint_under_the_training_switch_and_never_ships_it()
    {
        var path = Course.Checkpoint("01-x", "ae");
        var owner = Model(1);
        int trainings = 0;
        Environment.SetEnvironmentVariable(Course.TrainVariable, "1");
        Environment.SetEnvironmentVariable(Course.ExportVariable, "1");
        Checkpoint.LoadOrTrain(path, owner, () => Train(owner, ref trainings), config: new TinyConfig(), quiet: true, evaluate: () => FirstWeightSum(owner));
        Assert.Equal(1, trainings);
        var manifest = File.ReadAllText(ShippedWeights.ManifestPath);
        var shippedFile = Path.Combine(ShippedWeights.Folder, Assert.Single(ShippedWeights.Manifest()).File);
        var written = File.GetLastWriteTimeUtc(shippedFile);

        // Lesson 12 scoring lesson 01's model in the same training run: loaded, not trained a second time, not re-shipped.
        var borrower = Model(2);
        var r = Checkpoint.LoadOrTrain(path, borrower, () => Train(borrower, ref trainings), config: new TinyConfig(), quiet: true, borrowed: true);
        Assert.Equal(1, trainings);
        Assert.True(r.FromCheckpoint);
        Assert.True(SameWeights(owner, borrower, 1e-2));   // the owner went on with the float16 weights it shipped
        // Borrowed with no checkpoint of its owner (or another recipe): it trains, and still ships nothing.
        var alone = Model(3);
        Checkpoint.LoadOrTrain(Course.Checkpoint("01-x", "other"), alone, () => Train(alone, ref trainings), config: new TinyConfig(), quiet: true, borrowed: true);
        Checkpoint.LoadOrTrain(path, alone, () => Train(alone, ref trainings), config: new TinyConfig(Hidden: 6), quiet: true, borrowed: true);
        Assert.Equal(3, trainings);
        Assert.Equal(manifest, File.ReadAllText(ShippedWeights.ManifestPath));
        Assert.Equal(written, File.GetLastWriteTimeUtc(shippedFile));
    }
}
