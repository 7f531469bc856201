using System.Security.Cryptography;
using System.Text.Json;
using AeLab.Runtime;
using TorchSharp;

namespace AeLab.Training;

/// <summary>One shipped weights file, as notebooks/weights/weights.json lists it.</summary>
/// <param name="File">Path under notebooks/weights/, e.g. "01-autoencoder/mlp-ae.ckpt".</param>
/// <param name="Config">The configuration the lesson's checkpoint records (JSON), which must match for the file to be used.</param>
/// <param name="Metrics">The last epoch's metrics of the run that produced it (validation metrics start with "val_").</param>
/// <param name="Check">The lesson's own evaluation of these weights, as stored (in <paramref name="DType"/>): loading them
/// reproduces these figures, or the load is refused. Null when the lesson gives no evaluation.</param>
public sealed record ShippedEntry(string File, string Lesson, string Name, string Model, string? Config, string Sha256,
    string DType, long Bytes, IReadOnlyDictionary<string, double> Metrics, int Epochs, double TrainingSeconds, string Machine,
    string LibraryVersion, IReadOnlyDictionary<string, double>? Check = null);

/// <summary>
/// Trained weights that ship with the course (notebooks/weights/, listed with their checksums in weights.json), so a
/// lesson opens in seconds: <see cref="Checkpoint.LoadOrTrain"/> loads the learner's own checkpoint when there is one,
/// else these when their configuration matches the lesson's, else trains. <c>AELAB_TRAIN=1</c> trains everything
/// instead; smoke mode never uses them. <c>bash notebooks/train-weights.sh</c> retrains and rewrites them.
/// </summary>
public static class ShippedWeights
{
    /// <summary>notebooks/weights.</summary>
    public static string Folder => Path.Combine(Course.NotebooksFolder, "weights");

    /// <summary>notebooks/weights/weights.json.</summary>
    public static string ManifestPath => Path.Combine(Folder, "weights.json");

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Every entry of the manifest (none when there is no manifest).</summary>
    public static IReadOnlyList<ShippedEntry> Manifest()
    {
        if (!File.Exists(ManifestPath)) return Array.Empty<ShippedEntry>();
        try
        {
            return JsonSerializer.Deserialize<List<ShippedEntry>>(File.ReadAllText(ManifestPath), Json) ?? new List<ShippedEntry>();
        }
        catch (JsonException e)
        {
            throw new CheckpointException(ManifestPath, $"The shipped weights' manifest '{ManifestPath}' is not valid JSON ({e.Message}). Restore it with `git checkout -- notebooks/weights/weights.json`.", e);
        }
    }

    /// <summary>The entry for a lesson's checkpoint, or null.</summary>
    public static ShippedEntry? Find(string lesson, string name) =>
        Manifest().FirstOrDefault(e => e.Lesson == lesson && e.Name == name);

    /// <summary>(lesson, name) when <paramref name="checkpointPath"/> is a lesson's full-mode checkpoint
    /// (notebooks/checkpoints/&lt;lesson&gt;/&lt;name&gt;.ckpt, as <see cref="Course.Checkpoint"/> makes it); null otherwise.</summary>
    public static (string Lesson, string Name)? LessonOf(string checkpointPath)
    {
        var full = Path.GetFullPath(checkpointPath);
        var root = Path.GetFullPath(Path.Combine(Course.NotebooksFolder, "checkpoints"));
        var rel = Path.GetRelativePath(root, full);
        var parts = rel.Split(Path.DirectorySeparatorChar);
        if (rel.StartsWith("..") || parts.Length != 2 || !parts[1].EndsWith(".ckpt", StringComparison.Ordinal)) return null;
        return (parts[0], parts[1][..^".ckpt".Length]);
    }

    /// <summary>The SHA-256 of a file, lower-case hex.</summary>
    public static string Sha256(string path)
    {
        using var f = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(f)).ToLowerInvariant();
    }

    /// <summary>The checkpoint to load for the entry, after checking its file is there and unchanged (a missing or changed
    /// file is refused): the file itself, or its unpacked copy when it is packed.</summary>
    public static string Verified(ShippedEntry entry)
    {
        var path = Path.Combine(Folder, entry.File);
        if (!File.Exists(path))
            throw new CheckpointException(path, $"The shipped weights '{path}' listed in weights.json are missing. Restore them with `git checkout -- notebooks/weights/{entry.File}`, or set AELAB_TRAIN=1 to train instead.");
        var found = Sha256(path);
        if (found != entry.Sha256)
            throw new CheckpointException(path, $"The shipped weights '{path}' are damaged or changed: weights.json expects SHA-256 {entry.Sha256}, the file has {found}. " +
                $"Restore them with `git checkout -- notebooks/weights/{entry.File}`, or set AELAB_TRAIN=1 to train instead.");
        return PackedWeights.Loadable(path, entry.Sha256, UnpackedFolder);
    }

    /// <summary>notebooks/checkpoints/.shipped: the unpacked copies of packed shipped files (<see cref="PackedWeights"/>).</summary>
    public static string UnpackedFolder => Path.Combine(Course.NotebooksFolder, "checkpoints", ".shipped");

    /// <summary>
    /// Writes a lesson's trained checkpoint as shipped weights (weights only, float16 when <paramref name="half"/>, packed
    /// by <see cref="PackedWeights"/>) and
    /// records it in the manifest, replacing an older entry for the same checkpoint. Returns the entry.
    /// </summary>
    public static ShippedEntry Export(string checkpointPath, bool half, IReadOnlyDictionary<string, double>? check = null)
    {
        var (lesson, name) = LessonOf(checkpointPath)
            ?? throw new ArgumentException($"'{checkpointPath}' is not a lesson's full-mode checkpoint (notebooks/checkpoints/<lesson>/<name>.ckpt).", nameof(checkpointPath));
        var file = $"{lesson}/{name}.ckpt";
        var target = Path.Combine(Folder, file);
        Checkpoint.SaveWeightsOnly(checkpointPath, target, half);
        var info = Checkpoint.Info(target);
        PackedWeights.Pack(target);
        var last = info.History.Count == 0 ? new Dictionary<string, double>() : info.History[^1].Metrics.ToDictionary(kv => kv.Key, kv => kv.Value);
        var version = typeof(ShippedWeights).Assembly.GetName().Version?.ToString() ?? "?";
        var entry = new ShippedEntry(file, lesson, name, info.ModelType, info.ConfigJson, Sha256(target), half ? "float16" : "float32",
            new FileInfo(target).Length, last, info.Epoch, info.History.Sum(e => e.Seconds), Machine(), version, check);
        var entries = Manifest().Where(e => e.File != file).Append(entry).OrderBy(e => e.File, StringComparer.Ordinal).ToList();
        Directory.CreateDirectory(Folder);
        var temp = ManifestPath + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(entries, Json) + "\n");
        File.Move(temp, ManifestPath, overwrite: true);
        return entry;
    }

    /// <summary>How far a reproduced figure may be from the recorded one: half a unit in the fourth significant digit
    /// (what the lessons print) on a CPU; a GPU's kernels sum in other orders, so there 1e-3.</summary>
    public static double Tolerance(double recorded) =>
        (Lab.Device.type == DeviceType.CUDA ? 1e-3 : 5e-5) * Math.Max(1, Math.Abs(recorded));

    /// <summary>How far float16 weights may move a lesson's figure for float16 to be shipped: less than half a unit in
    /// the last digit the lessons print — the fourth decimal of figures below 1 (MSEs, usage), about four significant
    /// digits above (a loss of 2.640, a perplexity of 85.7, an ELBO of 250.3).</summary>
    public static double HalfPrecisionTolerance(double recorded) => Math.Max(5e-5, 2e-4 * Math.Abs(recorded));

    /// <summary>The figures of <paramref name="recorded"/> that <paramref name="found"/> lacks or holds beyond
    /// <paramref name="tolerance"/> (default <see cref="Tolerance"/>).</summary>
    public static IEnumerable<string> Moved(IReadOnlyDictionary<string, double> recorded, IReadOnlyDictionary<string, double> found,
        Func<double, double>? tolerance = null) =>
        recorded.Where(kv => !found.TryGetValue(kv.Key, out var v) || Math.Abs(v - kv.Value) > (tolerance ?? Tolerance)(kv.Value)).Select(kv => kv.Key);

    /// <summary>Checks that <paramref name="found"/> reproduces the entry's <see cref="ShippedEntry.Check"/>; returns the
    /// clause the load message ends with ("" when there is nothing to check), or throws naming the file, each figure that
    /// moved and how to restore or retrain.</summary>
    public static string Reproduces(ShippedEntry entry, IReadOnlyDictionary<string, double> found)
    {
        if (entry.Check is null || entry.Check.Count == 0) return "";
        var moved = Moved(entry.Check, found)
            .Select(k => $"{k} recorded {entry.Check[k]:G6}, now {(found.TryGetValue(k, out var v) ? v.ToString("G6") : "missing")}").ToList();
        // A GPU draws its random numbers (MaskGIT's masks, a VAE's noise) from another generator than the CPU the
        // figures were recorded on, so there they are reported, not enforced.
        if (moved.Count > 0 && Lab.Device.type == DeviceType.CUDA)
            return $"; on this GPU their figures differ from those recorded on a CPU ({string.Join("; ", moved)})";
        if (moved.Count > 0)
            throw new CheckpointException(Path.Combine(Folder, entry.File),
                $"The shipped weights '{entry.File}' load but do not reproduce the figures weights.json records for them ({string.Join("; ", moved)}): " +
                $"the lesson's data or evaluation changed since they were trained. Retrain them with `bash notebooks/train-weights.sh notebooks/{entry.Lesson}.dib`, " +
                $"or set {Course.TrainVariable}=1 to train instead.");
        return $"; they reproduce their recorded figures ({string.Join(", ", entry.Check.Select(kv => $"{kv.Key} {kv.Value:G5}"))})";
    }

    static string Machine()
    {
        string cpu = "unknown CPU";
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (line != null) cpu = line.Split(':', 2)[1].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return $"{cpu}, {Environment.ProcessorCount} cores, {torch.get_num_threads()} threads, {(Lab.Device.type == DeviceType.CUDA ? "CUDA" : $"CPU, {Precision.Describe(Precision.Training)}")}";
    }
}
