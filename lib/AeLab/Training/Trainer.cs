using System.Diagnostics;
using AeLab.Core;
using AeLab.Data;
using AeLab.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Training;

/// <summary>
/// The course's one training loop. It trains anything that computes a <see cref="LossOutput"/> for a batch (an
/// <see cref="ITrainable"/>: every autoencoder, prior and classifier, or a loss function given to the constructor)
/// with one optimizer, and models trained with several optimizers through their <see cref="IMultiStep"/>.
/// Per epoch: optimizer and scheduler steps, metrics
/// (training, and validation with a "val_" prefix), progress, TensorBoard/CSV logs, checkpoints and
/// hooks. Every step runs in a dispose scope; batches from a streamed source (a data loader) are disposed after
/// their step, batches of a materialised collection (reused every epoch) are not. Set the options, then call <see cref="Fit(IEnumerable{Batch}, int)"/>; call it again with more epochs to continue.
/// </summary>
/// <example>
/// <code>
/// var trainer = new Trainer(model, torch.optim.Adam(model.parameters(), 1e-3))
/// {
///     Validation = testLoader, Schedule = Schedule.OneCycle(1e-3), LogDir = "runs/01",
///     HookEvery = 5, OnEpoch = e => display(Images.Grid(model.Sample(16), nrow: 8)),
/// };
/// var result = trainer.Fit(trainLoader, epochs: 20);
/// </code>
/// </example>
public sealed class Trainer
{
    readonly nn.Module _module;
    readonly Func<Batch, LossOutput> _loss;
    readonly IMultiStep? _multiStep;
    readonly List<EpochRecord> _history = new();
    long _schedulerSteps;
    (CheckpointInfo Info, byte[]? Bytes)? _pendingOptimizer;

    /// <summary>Trains <paramref name="model"/> with <paramref name="optimizer"/> on <paramref name="loss"/>, by default the
    /// model's own <see cref="ITrainable.Loss"/> (the same loss, without gradients, gives the validation metrics).</summary>
    public Trainer(nn.Module model, optim.Optimizer optimizer, Func<Batch, LossOutput>? loss = null)
    {
        _module = model ?? throw new ArgumentNullException(nameof(model));
        Optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        _loss = LossOf(model, loss);
    }

    /// <summary>Trains <paramref name="model"/> with a step that updates its parts with their own optimizers
    /// (e.g. <c>AdversarialAutoencoder.CreateStep()</c>, <c>VqGanStep</c>). Checkpoints then hold the weights only.</summary>
    public Trainer(nn.Module model, IMultiStep step)
    {
        _module = model ?? throw new ArgumentNullException(nameof(model));
        _multiStep = step ?? throw new ArgumentNullException(nameof(step));
        _loss = step.Validate;
    }

    Trainer(nn.Module model, Func<Batch, LossOutput> loss) { _module = model; _loss = loss; }

    /// <summary><paramref name="loss"/>, or the model's own <see cref="ITrainable.Loss"/>.</summary>
    static Func<Batch, LossOutput> LossOf(nn.Module model, Func<Batch, LossOutput>? loss) =>
        loss ?? (model is ITrainable trainable ? trainable.Loss : (Func<Batch, LossOutput>?)null)
        ?? throw new ArgumentException($"{model.GetType().Name} does not implement ITrainable; pass its loss: new Trainer(model, optimizer, loss: batch => ...).", nameof(loss));

    /// <summary>
    /// What a lesson passes to <see cref="Checkpoint.LoadOrTrain"/> as <c>evaluate</c>: the "val_" metrics of
    /// <paramref name="model"/> (its own <see cref="ITrainable.Loss"/>, or <paramref name="loss"/>) on <paramref name="batches"/>,
    /// in eval mode without gradients. The generator is seeded with <paramref name="seed"/> first, so a loss that draws
    /// (a VAE's reparameterisation, MaskGIT's masks) gives the same figures on every call, and restored afterwards, so
    /// evaluating changes nothing the lesson draws next.
    /// </summary>
    public static Func<IReadOnlyDictionary<string, double>> Evaluation(nn.Module model, IEnumerable<Batch> batches,
        Func<Batch, LossOutput>? loss = null, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batches);
        var lossFn = LossOf(model, loss);
        return () =>
        {
            using var state = torch.random.get_rng_state();
            try
            {
                Lab.SeedExactly(seed);
                return new Trainer(model, lossFn).Evaluate(batches);
            }
            finally { torch.random.set_rng_state(state); }
        };
    }

    /// <summary><see cref="Evaluation(nn.Module, IEnumerable{Batch}, Func{Batch, LossOutput}?, long)"/> with this trainer's
    /// model, loss and (by default) <see cref="Validation"/> batches.</summary>
    public Func<IReadOnlyDictionary<string, double>> Evaluation(IEnumerable<Batch>? batches = null, long seed = 0) =>
        Evaluation(_module, batches ?? Validation ?? throw new InvalidOperationException("Give the batches to evaluate, or set Trainer.Validation."), _loss, seed);

    /// <summary>The optimizer (TorchSharp's); null when an <see cref="IMultiStep"/> holds several.</summary>
    public optim.Optimizer? Optimizer { get; }

    /// <summary>Batches evaluated (no gradients, eval mode) after each epoch; their metrics get a "val_" prefix.</summary>
    public IEnumerable<Batch>? Validation { get; set; }

    /// <summary>Learning-rate schedule (<see cref="Training.Schedule.OneCycle"/>, <see cref="Training.Schedule.LinearDecay"/>, <see cref="Training.Schedule.Cosine"/>).</summary>
    public Schedule? Schedule { get; set; }

    /// <summary>Batches per epoch, for per-batch schedules and progress. Default: the source's count when it has one,
    /// else (only for a per-batch schedule) one pass over the data to count.</summary>
    public int? StepsPerEpoch { get; set; }

    /// <summary>Called every <see cref="HookEvery"/> epochs and after the last one, in eval mode without gradients
    /// (show or save a grid, log an image). Training mode is restored afterwards.</summary>
    public Action<EpochRecord>? OnEpoch { get; set; }

    /// <summary>How often <see cref="OnEpoch"/> runs, in epochs.</summary>
    public int HookEvery { get; set; } = 1;

    /// <summary>The precision of this trainer's steps; null (default) follows <see cref="Runtime.Precision.Training"/>
    /// (<c>AELAB_PRECISION</c>; bfloat16 autocast on CPUs that compute it natively). Evaluation is always float32.</summary>
    public TrainingPrecision? TrainingPrecision { get; set; }

    /// <summary>No progress output at all.</summary>
    public bool Quiet { get; set; }

    /// <summary>Run folder for TensorBoard event files and metrics.csv; null logs nothing.</summary>
    public string? LogDir { get; set; }

    /// <summary>The open log of this run (after <see cref="Fit(IEnumerable{Batch}, int)"/> starts), e.g. to add images from <see cref="OnEpoch"/>.</summary>
    public MetricsLog? Log { get; private set; }

    /// <summary>Where to save a checkpoint every <see cref="CheckpointEvery"/> epochs and at the end; null saves none.
    /// When the loss becomes NaN the model is restored from it.</summary>
    public string? CheckpointPath { get; set; }

    /// <summary>How often to save <see cref="CheckpointPath"/>, in epochs.</summary>
    public int CheckpointEvery { get; set; } = 1;

    /// <summary>The model's configuration, stored as JSON in checkpoints.</summary>
    public object? Config { get; set; }

    /// <summary>Base seed; each epoch reseeds with (seed, epoch) so a resumed run sees the same shuffles and noise.
    /// Default: the seed given to <see cref="Lab.Init"/>.</summary>
    public long? Seed { get; set; }

    /// <summary>Adds "rss_mib" (process resident memory after the epoch) to the metrics.</summary>
    public bool TrackMemory { get; set; }

    /// <summary>Whether to dispose each batch after its step. Default: yes for streamed sources (data loaders),
    /// no for materialised collections (lists/arrays reused every epoch).</summary>
    public bool? DisposeBatches { get; set; }

    /// <summary>Forces a progress mode and writer (tests).</summary>
    internal (Progress.Mode Mode, TextWriter Writer)? ProgressOverride { get; set; }

    /// <summary>Epochs completed so far (including those loaded by <see cref="Resume"/>).</summary>
    public int Epoch => _history.Count == 0 ? 0 : _history[^1].Epoch;

    /// <summary>Per-epoch history so far.</summary>
    public IReadOnlyList<EpochRecord> History => _history;

    /// <summary>One call for the common case: Adam at <paramref name="learningRate"/> on a model's own loss.</summary>
    public static TrainResult Fit(ITrainable model, IEnumerable<Batch> train, int epochs, double learningRate = 1e-3,
        IEnumerable<Batch>? validation = null, Schedule? schedule = null, Action<EpochRecord>? onEpoch = null,
        int hookEvery = 1, string? logDir = null, bool quiet = false)
    {
        if (model is not nn.Module module)
            throw new ArgumentException($"{model.GetType().Name} must derive from nn.Module to be trained.", nameof(model));
        using var optimizer = optim.Adam(module.parameters(), learningRate);
        var trainer = new Trainer(module, optimizer)
        {
            Validation = validation, Schedule = schedule, OnEpoch = onEpoch, HookEvery = hookEvery, LogDir = logDir, Quiet = quiet,
        };
        return trainer.Fit(train, epochs);
    }

    /// <summary>Loads a checkpoint saved by a trainer: weights now, optimizer (and scheduler position) when
    /// <see cref="Fit(IEnumerable{Batch}, int)"/> starts; the history continues, so Fit(train, epochs) trains only the missing epochs.
    /// NaN or infinite weights are refused unless <paramref name="allowNonFinite"/>.</summary>
    public CheckpointInfo Resume(string path, bool allowNonFinite = false)
    {
        var (info, bytes) = Checkpoint.Read(path, _module, allowNonFinite);
        _history.Clear();
        _history.AddRange(info.History);
        _schedulerSteps = info.SchedulerSteps;
        _pendingOptimizer = (info, bytes);
        return info;
    }

    /// <summary>Saves the model, optimizer, epoch, history and <see cref="Config"/> to <paramref name="path"/> (atomically).</summary>
    public void Save(string path) =>
        Checkpoint.Save(path, _module, Optimizer, Epoch, Config, _history, _schedulerSteps, null);

    /// <summary>Trains until <paramref name="epochs"/> epochs are complete in total (after a resume, only the rest).</summary>
    public TrainResult Fit(IEnumerable<Batch> train, int epochs)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (epochs < 0) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "epochs must be 0 or more.");
        if (HookEvery < 1) throw new ArgumentOutOfRangeException(nameof(HookEvery), HookEvery, "HookEvery must be at least 1.");
        if (CheckpointEvery < 1) throw new ArgumentOutOfRangeException(nameof(CheckpointEvery), CheckpointEvery, "CheckpointEvery must be at least 1.");
        if (Schedule != null && Optimizer == null)
            throw new InvalidOperationException("A learning-rate Schedule needs the trainer's one optimizer; a multi-optimizer step schedules its own.");

        var clock = Stopwatch.StartNew();
        long seed = Seed ?? Lab.Current.Seed;
        var device = _module.DeviceOf();
        int? steps = StepsPerEpoch ?? KnownCount(train);
        bool disposeBatches = DisposeBatches ?? !IsMaterialised(train);

        optim.lr_scheduler.LRScheduler? scheduler = null;
        if (Schedule != null)
        {
            if (Schedule.PerBatch && steps == null) steps = CountBatches(train, disposeBatches);
            scheduler = Schedule.Create(Optimizer!, epochs, steps ?? 1);
            // Replay the schedule up to where a resumed run stopped, then restore the optimizer, so the
            // learning rate continues exactly where it was.
            for (long i = 0; i < _schedulerSteps; i++) scheduler.step();
        }
        if (_pendingOptimizer is { } pending)
        {
            if (pending.Bytes != null && Optimizer != null) Checkpoint.LoadOptimizer(pending.Info, Optimizer, pending.Bytes);
            _pendingOptimizer = null;
        }

        Log = LogDir == null ? null : new MetricsLog(LogDir);
        var progress = ProgressOverride is { } o ? new Progress(Quiet ? Progress.Mode.Quiet : o.Mode, Epoch, epochs, o.Writer)
                                                 : new Progress(Quiet, Epoch, epochs);
        string? stop = null;

        for (int epoch = Epoch + 1; epoch <= epochs && stop == null; epoch++)
        {
            var epochClock = Stopwatch.StartNew();
            Lab.Seed(unchecked(seed * 1_000_003 + epoch));
            if (train is DataLoader loader) loader.Epoch = epoch - 1; // same batches as an uninterrupted run
            _module.train();
            using var sums = new Sums();
            int n = 0;
            foreach (var batch in train)
            {
                try
                {
                    using (NewDisposeScope())
                    {
                        LossOutput output;
                        if (_multiStep != null)
                        {
                            using (Precision.TrainingScope(device, TrainingPrecision)) output = _multiStep.Step(batch);
                        }
                        else
                        {
                            Optimizer!.ClearGradients();
                            using (Precision.TrainingScope(device, TrainingPrecision)) output = _loss(batch);
                            output.Loss.backward();
                            Optimizer!.step();
                        }
                        sums.Add("", output);
                        if (scheduler != null && Schedule!.PerBatch) { scheduler.step(); _schedulerSteps++; }
                    }
                }
                finally
                {
                    if (disposeBatches) batch.Dispose();
                }
                n++;
                if (progress.Due)
                {
                    double loss = sums.Mean("loss", n);
                    if (!double.IsFinite(loss)) { stop = Diverged(epoch, n, loss); break; }
                    progress.Step(epoch, n, steps, loss);
                }
            }
            if (stop != null) break;
            if (n == 0)
                throw new InvalidOperationException("The training data yielded no batches. Check the data loader (dataset size vs batch size with dropLast).");
            steps ??= n;

            var metrics = sums.Means(n);
            if (!double.IsFinite(metrics["loss"])) { stop = Diverged(epoch, n, metrics["loss"]); break; }

            if (Validation != null) Validate(metrics, Validation, disposeBatches: DisposeBatches ?? !IsMaterialised(Validation));
            if (scheduler != null && !Schedule!.PerBatch) { scheduler.step(); _schedulerSteps++; }
            if (Optimizer != null) metrics["lr"] = Optimizer.ParamGroups.First().LearningRate;
            if (TrackMemory) metrics["rss_mib"] = Memory.ResidentMiB();

            var record = new EpochRecord(epoch, metrics, epochClock.Elapsed.TotalSeconds);
            _history.Add(record);
            Log?.Write(record);
            progress.Epoch(record, steps.Value);
            if (CheckpointPath != null && (epoch % CheckpointEvery == 0 || epoch == epochs)) Save(CheckpointPath);
            if (OnEpoch != null && (epoch % HookEvery == 0 || epoch == epochs)) RunHook(record);
        }

        _module.train();
        progress.Finish(stop == null ? null : "Training stopped: " + stop);
        return new TrainResult(_history.ToList(), clock.Elapsed.TotalSeconds, stop);
    }

    /// <summary>The "val_" metrics of <paramref name="batches"/> (default: <see cref="Validation"/>) as the trainer computes
    /// them after each epoch: the loss in eval mode without gradients, averaged over the batches; training mode is restored.</summary>
    public Dictionary<string, double> Evaluate(IEnumerable<Batch>? batches = null)
    {
        var source = batches ?? Validation ?? throw new InvalidOperationException("Give the batches to evaluate, or set Trainer.Validation.");
        var metrics = new Dictionary<string, double>();
        Validate(metrics, source, DisposeBatches ?? !IsMaterialised(source));
        return metrics;
    }

    void Validate(Dictionary<string, double> metrics, IEnumerable<Batch> batches, bool disposeBatches)
    {
        bool wasTraining = _module.training;
        _module.eval();
        using var sums = new Sums();
        int n = 0;
        using (no_grad())
        {
            foreach (var batch in batches)
            {
                try
                {
                    using (NewDisposeScope())
                        sums.Add("val_", _loss(batch));
                }
                finally
                {
                    if (disposeBatches) batch.Dispose();
                }
                n++;
            }
        }
        _module.train(wasTraining);
        if (n == 0) throw new InvalidOperationException("The validation data yielded no batches. Check its loader (dataset size vs batch size with dropLast).");
        foreach (var (k, v) in sums.Means(n)) metrics[k] = v;
    }

    void RunHook(EpochRecord record)
    {
        _module.eval();
        try
        {
            using (no_grad())
            using (NewDisposeScope())
                OnEpoch!(record);
        }
        finally { _module.train(); }
    }

    string Diverged(int epoch, int step, double loss)
    {
        var what = $"the loss became {(double.IsNaN(loss) ? "NaN" : "infinite")} in epoch {epoch} (by step {step})";
        if (CheckpointPath != null && File.Exists(CheckpointPath))
        {
            var info = Checkpoint.Load(CheckpointPath, _module, Optimizer);
            _history.RemoveAll(e => e.Epoch > info.Epoch);
            _schedulerSteps = info.SchedulerSteps;
            return $"{what}. The model was restored from the last good checkpoint '{CheckpointPath}' (epoch {info.Epoch}). " +
                   "Lower the learning rate or check the loss (log of 0, division by 0), then continue.";
        }
        return $"{what}; the weights are no longer usable. Lower the learning rate or check the loss (log of 0, division by 0) and train again" +
               " (set Trainer.CheckpointPath to keep the last good weights).";
    }

    static bool IsMaterialised(IEnumerable<Batch> source) => source is ICollection<Batch> or IReadOnlyCollection<Batch>;

    /// <summary>A count the source knows without being enumerated (collections, or a data loader's Count property).</summary>
    static int? KnownCount(IEnumerable<Batch> source)
    {
        if (source.TryGetNonEnumeratedCount(out var n)) return n;
        var p = source.GetType().GetProperty("Count") ?? source.GetType().GetProperty("Length");
        return p?.GetValue(source) is int c ? c : null;
    }

    static int CountBatches(IEnumerable<Batch> source, bool dispose)
    {
        int n = 0;
        foreach (var b in source)
        {
            n++;
            if (dispose) b.Dispose();
        }
        return n;
    }

    /// <summary>Running sums of the loss and metrics on the device: no host sync per step.</summary>
    sealed class Sums : IDisposable
    {
        readonly Dictionary<string, Tensor> _sums = new();

        public void Add(string prefix, LossOutput output)
        {
            Accumulate(prefix + "loss", output.Loss);
            foreach (var (name, value) in output.Metrics) Accumulate(prefix + name, value);
        }

        void Accumulate(string name, Tensor value)
        {
            if (value.numel() != 1)
                throw new ArgumentException($"Metric '{name}' must be a scalar tensor; it has shape [{string.Join(", ", value.shape)}]. Reduce it (e.g. .mean()) in Loss.");
            var v = value.detach().reshape(1).to(float64);
            if (_sums.TryGetValue(name, out var sum)) sum.add_(v);
            else _sums[name] = v.clone().DetachFromDisposeScope();
        }

        public double Mean(string name, int n) => _sums.TryGetValue(name, out var s) ? s.item<double>() / n : double.NaN;

        public Dictionary<string, double> Means(int n) => _sums.ToDictionary(kv => kv.Key, kv => kv.Value.item<double>() / n);

        public void Dispose()
        {
            foreach (var t in _sums.Values) t.Dispose();
            _sums.Clear();
        }
    }
}
