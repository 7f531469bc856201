using System.Globalization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AeLab.Training;

/// <summary>
/// Per-epoch logs in a run folder: TensorBoard event files (through TorchSharp's SummaryWriter; view
/// with <c>tensorboard --logdir &lt;folder&gt;</c>) and <c>metrics.csv</c> (one row per epoch).
/// </summary>
public sealed class MetricsLog
{
    readonly SummaryWriter _writer;
    readonly string _csvPath;
    List<string>? _columns;

    /// <summary>Opens (or continues) the run folder <paramref name="directory"/>.</summary>
    public MetricsLog(string directory)
    {
        if (string.IsNullOrWhiteSpace(directory))
            throw new ArgumentException("The log folder is empty; pass a folder such as \"runs/01-autoencoder\".", nameof(directory));
        System.IO.Directory.CreateDirectory(directory);
        Directory = Path.GetFullPath(directory);
        _writer = torch.utils.tensorboard.SummaryWriter(Directory);
        _csvPath = Path.Combine(Directory, "metrics.csv");
    }

    /// <summary>The run folder (absolute).</summary>
    public string Directory { get; }

    /// <summary>The CSV file of per-epoch metrics.</summary>
    public string CsvPath => _csvPath;

    /// <summary>Appends one epoch: a TensorBoard scalar per metric and a CSV row.</summary>
    public void Write(EpochRecord record)
    {
        var wall = DateTimeOffset.UtcNow.ToUnixTimeSeconds(); // TensorBoard wall time is in seconds
        foreach (var (name, value) in record.Metrics)
            _writer.add_scalar(name, (float)value, record.Epoch, wall);
        WriteCsv(record);
    }

    /// <summary>Logs an image tensor [C, H, W] with values in [0, 1] (e.g. a reconstruction grid) at an epoch.</summary>
    public void Image(string tag, Tensor image, int epoch)
    {
        if (image.dim() != 3)
            throw new ArgumentException($"Image '{tag}' must be [C, H, W]; got [{string.Join(", ", image.shape)}].", nameof(image));
        using var scope = NewDisposeScope();
        var img = image.detach().cpu().clamp(0, 1);
        _writer.add_img(tag, img, epoch, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
    }

    void WriteCsv(EpochRecord record)
    {
        var names = record.Metrics.Keys.ToList();
        if (_columns == null)
        {
            _columns = File.Exists(_csvPath) ? ReadHeader(_csvPath) : null;
            if (_columns == null || !names.All(_columns.Contains))
            {
                // New file, or new metrics appeared: start the file with this run's columns.
                _columns = names;
                File.WriteAllText(_csvPath, "epoch,seconds," + string.Join(",", _columns) + "\n");
            }
        }
        var cells = new List<string> { record.Epoch.ToString(CultureInfo.InvariantCulture), TrainFormat.Invariant(record.Seconds) };
        cells.AddRange(_columns.Select(c => record.Metrics.TryGetValue(c, out var v) ? TrainFormat.Invariant(v) : ""));
        File.AppendAllText(_csvPath, string.Join(",", cells) + "\n");
    }

    static List<string>? ReadHeader(string path)
    {
        var first = File.ReadLines(path).FirstOrDefault();
        if (first == null || !first.StartsWith("epoch,seconds,", StringComparison.Ordinal)) return null;
        return first.Split(',').Skip(2).ToList();
    }
}
