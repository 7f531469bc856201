using AeLab.Runtime;
using System.Text.Json;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AeLab.Training;

/// <summary>What a checkpoint file holds besides the weights: epoch, configuration and history.</summary>
public sealed record CheckpointInfo(
    string Path, string ModelType, int Epoch, string? ConfigJson, IReadOnlyList<EpochRecord> History,
    string? OptimizerType, DateTime SavedUtc)
{
    /// <summary>The model configuration stored with the weights, read back as <typeparamref name="T"/>.</summary>
    public T? Config<T>() => ConfigJson == null ? default : JsonSerializer.Deserialize<T>(ConfigJson, CheckpointFile.Json);

    /// <summary>Scheduler steps taken before the save, so a resumed run continues the same learning-rate curve.</summary>
    internal long SchedulerSteps { get; init; }

    public override string ToString() => $"checkpoint '{Path}': {ModelType}, epoch {Epoch}, saved {SavedUtc:u}";
}

/// <summary>
/// Saving and loading training state: model weights (state dict), optimizer state, epoch, history and
/// the model's configuration as JSON, in one file written atomically (a temporary file, unique to the save,
/// flushed to disk and renamed over the old one, so a crash mid-save leaves the previous checkpoint intact; the next
/// save of that path removes a temporary left by a process that died).
/// </summary>
public static class Checkpoint
{
    /// <summary>Saves <paramref name="model"/> (and optionally the optimizer, epoch, configuration, history) to <paramref name="path"/>.</summary>
    /// <remarks><paramref name="config"/>: any JSON-serialisable object describing how to rebuild the model (e.g. a record of sizes).</remarks>
    public static void Save(string path, nn.Module model, optim.Optimizer? optimizer = null, int epoch = 0,
        object? config = null, IReadOnlyList<EpochRecord>? history = null) =>
        Save(path, model, optimizer, epoch, config, history, 0, null);

    internal static void Save(string path, nn.Module model, optim.Optimizer? optimizer, int epoch, object? config,
        IReadOnlyList<EpochRecord>? history, long schedulerSteps, Func<Stream, Stream>? wrapStream)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("The checkpoint path is empty.", nameof(path));
        var state = model.state_dict().Select(kv => (kv.Key, kv.Value)).ToList();
        var configJson = config switch { null => null, _ => JsonSerializer.Serialize(config, config.GetType(), CheckpointFile.Json) };
        Write(path, model.GetType().FullName ?? model.GetType().Name, state, optimizer, epoch, configJson, history, schedulerSteps, wrapStream);
    }

    static void Write(string path, string modelName, IReadOnlyList<(string Name, Tensor Value)> state, optim.Optimizer? optimizer, int epoch,
        string? configJson, IReadOnlyList<EpochRecord>? history, long schedulerSteps, Func<Stream, Stream>? wrapStream)
    {
        var full = System.IO.Path.GetFullPath(path);
        var dir = System.IO.Path.GetDirectoryName(full)!;
        CreateFolder(full, dir);

        var header = new CheckpointHeader
        {
            Model = modelName,
            Epoch = epoch,
            Config = configJson,
            History = CheckpointHeader.FromHistory(history ?? Array.Empty<EpochRecord>()),
            Tensors = state.Select(kv => new CheckpointHeader.TensorEntry
            {
                Name = kv.Name, DType = kv.Value.dtype.ToString(), Shape = kv.Value.shape,
            }).ToList(),
            Optimizer = optimizer?.GetType().Name,
            SchedulerSteps = schedulerSteps,
            SavedUtc = DateTime.UtcNow,
        };
        var optimizerBytes = optimizer == null ? null : OptimizerState(optimizer);

        AtomicFile.RemoveStale(full);
        var temp = AtomicFile.TempFor(full);
        try
        {
            using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                var stream = wrapStream?.Invoke(file) ?? file;
                using (var hashed = new HashingStream(stream))
                {
                    using (var w = new BinaryWriter(hashed, System.Text.Encoding.UTF8, leaveOpen: true))
                    {
                        CheckpointFile.WriteHeader(w, header);
                        w.Flush();
                        foreach (var (_, t) in state)
                        {
                            using var cpu = t.detach().cpu().contiguous();
                            cpu.WriteBytesToStream(hashed);
                        }
                        w.Write(optimizerBytes?.LongLength ?? -1L);
                        if (optimizerBytes != null) w.Write(optimizerBytes);
                    }
                    CheckpointFile.WriteTrailer(stream, hashed.Hash());
                }
                stream.Flush();
                file.Flush(flushToDisk: true);
            }
            AtomicFile.Replace(temp, full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            AtomicFile.DeleteQuietly(temp);
            throw SaveFailed(full, dir, e);
        }
        catch
        {
            AtomicFile.DeleteQuietly(temp);
            throw;
        }
    }

    /// <summary>Creates the checkpoint's folder; a file where a folder must be, or no permission, is reported for the target.</summary>
    static void CreateFolder(string full, string dir)
    {
        for (var d = dir; !string.IsNullOrEmpty(d); d = System.IO.Path.GetDirectoryName(d))
        {
            if (Directory.Exists(d)) break;
            if (File.Exists(d))
                throw new CheckpointException(full,
                    $"Cannot save the checkpoint '{full}': '{d}' is a file, not a folder. Choose another path, or move that file away.");
        }
        try { Directory.CreateDirectory(dir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException(full,
                $"Cannot save the checkpoint '{full}': its folder '{dir}' cannot be created " +
                (AtomicFile.Cause(e) == WriteFailure.ReadOnly ? "(the file system there is read-only)" : $"({e.Message})") +
                ". Choose a folder you can write to.", e);
        }
    }

    // The message names the real cause: a read-only mount or missing permission is not helped by freeing space.
    static CheckpointException SaveFailed(string full, string dir, Exception e) => new(full, AtomicFile.Cause(e) switch
    {
        _ when Directory.Exists(full) =>
            $"Cannot save the checkpoint '{full}': a folder of that name is in the way. Choose another file name, or remove the folder.",
        WriteFailure.NoPermission =>
            $"Cannot save the checkpoint '{full}': no permission to write in '{dir}'{(File.Exists(full) ? " or to replace the file there" : "")}. " +
            "Choose a folder you can write to, or change its permissions. Nothing was changed.",
        WriteFailure.ReadOnly =>
            $"Cannot save the checkpoint '{full}': '{dir}' is on a read-only file system ({e.Message}). " +
            "Choose a folder on a writable disk, or remount this one read-write. Nothing was changed.",
        WriteFailure.DiskFull =>
            $"Cannot save the checkpoint '{full}': the disk holding '{dir}' is full, or your quota there is used up ({e.Message}). " +
            "Free some space or choose another folder, then save again. The previous file there (if any) is unchanged.",
        _ => $"Cannot save the checkpoint '{full}': {e.Message.TrimEnd('.')}. The previous file there (if any) is unchanged; check that folder, or choose another one, then save again.",
    }, e);

    /// <summary>Reads a checkpoint's epoch, configuration and history without touching any model.</summary>
    public static CheckpointInfo Info(string path)
    {
        var full = RequireFile(path);
        var (header, stream, _) = CheckpointFile.Open(full);
        stream.Dispose();
        return ToInfo(full, header);
    }

    /// <summary>
    /// Loads weights into <paramref name="model"/> (and optimizer state into <paramref name="optimizer"/> when given).
    /// Fails with a <see cref="CheckpointException"/>, changing nothing, when the file is damaged (its checksum does
    /// not match), its tensors do not match the model's names and shapes, or a weight is NaN or infinite; pass
    /// <paramref name="allowNonFinite"/> to load such weights anyway (to study a diverged run).
    /// </summary>
    public static CheckpointInfo Load(string path, nn.Module model, optim.Optimizer? optimizer = null, bool allowNonFinite = false)
    {
        var (info, optimizerBytes) = Read(path, model, allowNonFinite);
        if (optimizer != null) LoadOptimizer(info, optimizer, optimizerBytes);
        return info;
    }

    /// <summary>
    /// Lessons call this so a lesson opens in seconds, in this order: the learner's own checkpoint at
    /// <paramref name="path"/> when it was saved with the same <paramref name="config"/>; else, for a lesson's full-mode
    /// checkpoint (<c>Course.Checkpoint(lesson, name)</c>), the shipped weights in notebooks/weights when their
    /// configuration matches (checked against weights.json's SHA-256); else <paramref name="train"/> runs and the
    /// result is saved at <paramref name="path"/>. <c>AELAB_TRAIN=1</c> skips both loads and trains; smoke mode never
    /// uses shipped weights (its path is a smoke folder). The cell's output says which happened.
    /// </summary>
    /// <param name="evaluate">Validation metrics of the model as it is now; used when exporting shipped weights
    /// (<c>AELAB_EXPORT_WEIGHTS=1</c>, set by train-weights.sh) to keep float16 only where the metrics do not move.</param>
    /// <param name="borrowed">The model belongs to another lesson (lesson 12 scoring lesson 01's autoencoder): that
    /// lesson trains and ships it. Under the training switch its checkpoint is still loaded when it exists with this
    /// configuration (the owning lesson has trained it), so a run of every lesson trains each model once; it is never
    /// exported from here.</param>
    public static TrainResult LoadOrTrain(string path, nn.Module model, Func<TrainResult> train,
        object? config = null, optim.Optimizer? optimizer = null, bool quiet = false,
        Func<IReadOnlyDictionary<string, double>>? evaluate = null, bool borrowed = false)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("The checkpoint path is empty.", nameof(path));
        void Say(string line) { if (!quiet) Console.WriteLine(line); }
        var json = config == null ? null : JsonSerializer.Serialize(config, config.GetType(), CheckpointFile.Json);
        var lesson = ShippedWeights.LessonOf(path);
        bool fullModeLesson = lesson is not null && !Course.Smoke;
        bool shippedOnly = Course.ShippedOnly && fullModeLesson;
        bool export = Course.ExportWeights && fullModeLesson && !borrowed;
        // Under the training switch a borrowed model still comes from its owner's checkpoint (trained earlier in the run).
        bool training = Course.Train && !shippedOnly;
        if (training && !borrowed)
            Say($"{Course.TrainVariable}=1: training (nothing is loaded; '{path}' is written when training ends).");
        else
        {
            if (File.Exists(path) && !shippedOnly)
            {
                var info = Info(path);
                if (json == null || info.ConfigJson == json)
                {
                    try
                    {
                        Load(path, model, optimizer);
                        var what = info.ModelType.Split('.').Last();
                        Say(training
                            ? $"{Course.TrainVariable}=1: loaded {what} from '{path}' (epoch {info.Epoch}), which its own lesson trains; not training it again here."
                            : $"Loaded {what} from your checkpoint '{path}' (epoch {info.Epoch}). Delete it, or set {Course.TrainVariable}=1, to train again.");
                        // train-weights.sh after a run that trained without exporting: the lesson that owns the model
                        // (the one that evaluates it) ships it; a lesson that borrows it ships nothing.
                        if (export && evaluate != null) Export(path, model, optimizer, evaluate, Say);
                        return new TrainResult(info.History, 0, fromCheckpoint: true);
                    }
                    // Same recipe, another architecture (the library's model changed since it was saved): train anew.
                    catch (CheckpointException e) when (e.DoesNotFit)
                    {
                        Say($"'{path}' holds weights of another architecture ({e.Message}); training anew, and the file is replaced when training ends.");
                    }
                }
                else Say($"'{path}' was saved with another configuration ({info.ConfigJson}); not using it.");
            }
            if (fullModeLesson && !training && lesson is { } owner)
            {
                var shipped = ShippedWeights.Find(owner.Lesson, owner.Name);
                var retrain = $"`bash notebooks/train-weights.sh notebooks/{owner.Lesson}.dib`";
                if (shipped is not null && shipped.Config == json)
                {
                    var file = ShippedWeights.Verified(shipped);
                    var info = Load(file, model);
                    var reproduced = evaluate is null ? "" : ShippedWeights.Reproduces(shipped, evaluate());
                    Say($"Loaded the shipped weights '{shipped.File}' ({shipped.DType}, {shipped.Epochs} epochs, trained in {TrainFormat.Duration(shipped.TrainingSeconds)} on {shipped.Machine})" +
                        reproduced +
                        $". To train it yourself: set {Course.TrainVariable}=1 (or run the lessons with --train).");
                    return new TrainResult(info.History, 0, fromCheckpoint: true);
                }
                if (shippedOnly)
                    throw new CheckpointException(path, shipped is null
                        ? $"{Course.ShippedVariable}=1: weights.json has no shipped weights for {owner.Lesson}/{owner.Name}. Train and ship them with {retrain}."
                        : $"{Course.ShippedVariable}=1: the shipped weights '{shipped.File}' were trained with another configuration ({shipped.Config}) than this lesson's ({json}): " +
                          $"the lesson's recipe changed since. Retrain them with {retrain}.");
                if (shipped is not null)
                    Say($"The shipped weights '{shipped.File}' were trained with another configuration ({shipped.Config}) than this lesson's ({json}); training instead.");
            }
        }
        var result = train();
        if (result.Diverged)
        {
            Say($"Not saving '{path}': {result.StopReason}");
            return result;
        }
        Save(path, model, optimizer, result.Epochs, config, result.History);
        if (export) Export(path, model, optimizer, evaluate, Say);
        return result;
    }

    /// <summary>Writes the trained checkpoint as shipped weights: float16 when <paramref name="evaluate"/> shows the same
    /// metrics to the precision the lessons print (<see cref="ShippedWeights.HalfPrecisionTolerance"/>) with the float16
    /// weights, float32 otherwise. The model is left holding the weights that ship.</summary>
    static void Export(string path, nn.Module model, optim.Optimizer? optimizer, Func<IReadOnlyDictionary<string, double>>? evaluate, Action<string> say)
    {
        bool half = false;
        IReadOnlyDictionary<string, double>? check = null;
        if (evaluate != null)
        {
            var full = evaluate();
            check = full;
            var temp = path + ".half.tmp";
            try
            {
                SaveWeightsOnly(path, temp, half: true);
                Load(temp, model);
                var halved = evaluate();
                var moved = ShippedWeights.Moved(full, halved, ShippedWeights.HalfPrecisionTolerance).Select(k => $"{k} {full[k]:G5} → {halved.GetValueOrDefault(k, double.NaN):G5}").ToList();
                half = moved.Count == 0;
                if (half) check = halved;
                say(half ? $"float16 weights give the same metrics ({string.Join(", ", full.Select(kv => $"{kv.Key} {kv.Value:G5}"))}): shipping float16."
                         : $"float16 weights change the metrics ({string.Join(", ", moved)}): shipping float32.");
            }
            finally
            {
                Load(path, model, optimizer);
                // What the lesson computes next from this model (the code maps a prior trains and is evaluated on)
                // must be what a learner's load of the shipped file gives, so the model keeps the float16 weights.
                if (half) Load(temp, model);
                File.Delete(temp);
            }
        }
        var entry = ShippedWeights.Export(path, half, check);
        say($"Shipped weights written: notebooks/weights/{entry.File} ({entry.DType}, {entry.Bytes / 1048576.0:F2} MiB).");
    }

    /// <summary>Reads and validates the file, loads the weights; returns the optimizer block unread.</summary>
    internal static (CheckpointInfo Info, byte[]? OptimizerState) Read(string path, nn.Module model, bool allowNonFinite = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        var full = RequireFile(path);
        var (header, stream, payloadEnd) = CheckpointFile.Open(full);
        using var _ = stream;
        var r = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        var info = ToInfo(full, header);
        var state = model.state_dict();
        CheckFits(header, state, full, model);

        long tensorBytes = header.Tensors.Sum(e => state[e.Name].NumberOfElements * ElementSize(FileType(e, full)));
        if (stream.Position + tensorBytes + 8 > payloadEnd)
            throw CheckpointFile.Damaged(full, $"it is truncated: its tensors need {tensorBytes} bytes but only {Math.Max(0, payloadEnd - stream.Position - 8)} follow the header");

        // Read everything first, then copy: a damaged file must not leave the model half-loaded.
        var loaded = new List<(Tensor Target, Tensor Value)>();
        try
        {
            foreach (var e in header.Tensors)
            {
                var target = state[e.Name];
                var value = empty(e.Shape, dtype: FileType(e, full));
                loaded.Add((target, value));
                value.ReadBytesFromStream(stream);
                if (!allowNonFinite) RequireFinite(value, e.Name, full);
            }
            long n = r.ReadInt64();
            long left = payloadEnd - stream.Position;
            if (n < -1 || n > left || (n == -1 ? left != 0 : left != n))
                throw CheckpointFile.Damaged(full, $"its optimizer block says {n} bytes where {left} remain");
            byte[]? optimizerBytes = n < 0 ? null : r.ReadBytes((int)n);
            using (no_grad())
                foreach (var (target, value) in loaded)
                    target.copy_(value);
            return (info, optimizerBytes);
        }
        finally
        {
            foreach (var (_, value) in loaded) value.Dispose();
        }
    }

    /// <summary>Refuses NaN or infinite weights: they would make every later output NaN without saying why.</summary>
    static void RequireFinite(Tensor value, string name, string path)
    {
        if (!value.is_floating_point() && !value.is_complex()) return;
        using var finite = value.isfinite();
        using var all = finite.all();
        if (all.item<bool>()) return;
        using var bad = finite.logical_not().sum();
        throw new CheckpointException(path,
            $"Checkpoint '{path}': tensor '{name}' holds {bad.item<long>()} NaN or infinite value(s) of {value.numel()}; " +
            "the run it was saved from had diverged (or the file was changed). Delete it to retrain, or pass allowNonFinite: true to Checkpoint.Load to load it anyway.");
    }

    internal static void LoadOptimizer(CheckpointInfo info, optim.Optimizer optimizer, byte[]? bytes)
    {
        if (bytes == null)
            throw new InvalidOperationException($"'{info.Path}' holds no optimizer state (it was saved without an optimizer); load it without one, or resume from a checkpoint the trainer saved.");
        if (optimizer is not OptimizerHelper helper)
            throw new NotSupportedException($"Optimizer {optimizer.GetType().Name} cannot restore saved state; use Adam, AdamW, SGD or another TorchSharp optimizer implemented in managed code.");
        using var r = new BinaryReader(new MemoryStream(bytes));
        try { helper.load_state_dict(r); }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or IOException or OverflowException or IndexOutOfRangeException or InvalidCastException)
        {
            throw new CheckpointException(info.Path,
                $"Checkpoint '{info.Path}': the optimizer state does not fit this optimizer {optimizer.GetType().Name} ({e.Message}). " +
                $"It was saved with {info.OptimizerType ?? "no optimizer"}; load it with that optimizer (built over the same parameters), load the weights only (no optimizer), or delete the file to retrain.", e);
        }
    }

    static byte[] OptimizerState(optim.Optimizer optimizer)
    {
        if (optimizer is not OptimizerHelper helper)
            throw new NotSupportedException($"Optimizer {optimizer.GetType().Name} cannot save its state; use Adam, AdamW, SGD or another TorchSharp optimizer implemented in managed code, or save without the optimizer.");
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true)) helper.save_state_dict(w);
        return ms.ToArray();
    }

    static void CheckFits(CheckpointHeader header, Dictionary<string, Tensor> state, string path, nn.Module model)
    {
        var modelName = model.GetType().Name;
        var hint = header.Config == null
            ? "Build the model with the architecture it was saved from, or delete the file to retrain."
            : $"It was saved from a model with configuration {header.Config}; build the model that way, or delete the file to retrain.";
        foreach (var e in header.Tensors)
        {
            if (!state.TryGetValue(e.Name, out var t))
                throw Misfit(path, $"Checkpoint '{path}' does not fit {modelName}: it has tensor '{e.Name}' {Shape(e.Shape)} which the model lacks. {hint}");
            if (!t.shape.SequenceEqual(e.Shape))
                throw Misfit(path, $"Checkpoint '{path}' does not fit {modelName}: tensor '{e.Name}' is {Shape(e.Shape)} in the file but {Shape(t.shape)} in the model. {hint}");
            // Shipped weights store floating tensors in half precision: they load into a float32 (or float64) model.
            bool widened = e.DType == nameof(ScalarType.Float16) && t.is_floating_point();
            if (t.dtype.ToString() != e.DType && !widened)
                throw Misfit(path, $"Checkpoint '{path}' does not fit {modelName}: tensor '{e.Name}' is {e.DType} in the file but {t.dtype} in the model. {hint}");
        }
        var missing = state.Keys.Except(header.Tensors.Select(e => e.Name)).FirstOrDefault();
        if (missing != null)
            throw Misfit(path, $"Checkpoint '{path}' does not fit {modelName}: the model has tensor '{missing}' {Shape(state[missing].shape)} which the file lacks. {hint}");
    }

    static CheckpointException Misfit(string path, string message) => new(path, message) { DoesNotFit = true };

    static ScalarType FileType(CheckpointHeader.TensorEntry e, string path) =>
        Enum.TryParse<ScalarType>(e.DType, out var t) ? t : throw CheckpointFile.Damaged(path, $"its tensor '{e.Name}' has the unknown type '{e.DType}'");

    static long ElementSize(ScalarType t)
    {
        using var one = empty(new long[] { 1 }, dtype: t);
        return one.ElementSize;
    }

    /// <summary>
    /// Writes <paramref name="source"/>'s weights without optimizer state to <paramref name="target"/> (atomically), with
    /// its configuration and history; <paramref name="half"/> stores floating tensors as float16 (half the size; they
    /// load into float32 models). Reads the file alone, no model needed: this is how shipped weights are made.
    /// </summary>
    public static void SaveWeightsOnly(string source, string target, bool half)
    {
        var full = RequireFile(source);
        var (header, stream, _) = CheckpointFile.Open(full);
        var tensors = new List<(string Name, Tensor Value)>();
        try
        {
            using (stream)
                foreach (var e in header.Tensors)
                {
                    var value = empty(e.Shape, dtype: FileType(e, full));
                    value.ReadBytesFromStream(stream);
                    if (half && value.is_floating_point() && value.dtype != ScalarType.Float16)
                    {
                        var halved = value.to(ScalarType.Float16);
                        value.Dispose();
                        value = halved;
                    }
                    tensors.Add((e.Name, value));
                }
            Write(target, header.Model, tensors, null, header.Epoch, header.Config, header.ToHistory(), 0, null);
        }
        finally
        {
            foreach (var (_, t) in tensors) t.Dispose();
        }
    }

    static string Shape(long[] shape) => "[" + string.Join(", ", shape) + "]";

    static string RequireFile(string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("The checkpoint path is empty.", nameof(path));
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"No checkpoint at '{full}'. Train and save first (Checkpoint.Save or Checkpoint.LoadOrTrain).", full);
        return full;
    }

    static CheckpointInfo ToInfo(string path, CheckpointHeader h) =>
        new(path, h.Model, h.Epoch, h.Config, h.ToHistory(), h.Optimizer, h.SavedUtc) { SchedulerSteps = h.SchedulerSteps };
}
