using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AeLab.Training;

/// <summary>The JSON header of a checkpoint file: everything except the tensor bytes.</summary>
internal sealed class CheckpointHeader
{
    public int Format { get; set; } = CheckpointFile.Version;
    public string Model { get; set; } = "";
    public int Epoch { get; set; }
    public string? Config { get; set; }
    public List<HistoryRow> History { get; set; } = new();
    public List<TensorEntry> Tensors { get; set; } = new();
    public string? Optimizer { get; set; }
    public long SchedulerSteps { get; set; }
    public DateTime SavedUtc { get; set; }

    public sealed class TensorEntry
    {
        public string Name { get; set; } = "";
        public string DType { get; set; } = "";
        public long[] Shape { get; set; } = Array.Empty<long>();
    }

    public sealed class HistoryRow
    {
        public int Epoch { get; set; }
        public double Seconds { get; set; }
        public Dictionary<string, double> Metrics { get; set; } = new();
    }

    public static List<HistoryRow> FromHistory(IEnumerable<EpochRecord> history) =>
        history.Select(e => new HistoryRow { Epoch = e.Epoch, Seconds = e.Seconds, Metrics = new(e.Metrics) }).ToList();

    public List<EpochRecord> ToHistory() =>
        History.Select(h => new EpochRecord(h.Epoch, h.Metrics, h.Seconds)).ToList();
}

/// <summary>Byte layout: magic, version, header JSON (length-prefixed UTF-8), tensor bytes in header order, optimizer block.</summary>
internal static class CheckpointFile
{
    public const int Version = 1;
    public static readonly byte[] Magic = Encoding.ASCII.GetBytes("AELABCKPT\n");

    public static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    };

    public static void WriteHeader(BinaryWriter w, CheckpointHeader header)
    {
        w.Write(Magic);
        w.Write(Version);
        var json = JsonSerializer.SerializeToUtf8Bytes(header, Json);
        w.Write(json.Length);
        w.Write(json);
    }

    public static CheckpointHeader ReadHeader(BinaryReader r, string path)
    {
        var magic = r.ReadBytes(Magic.Length);
        if (!magic.AsSpan().SequenceEqual(Magic))
            throw new InvalidDataException($"'{path}' is not an AeLab checkpoint (it does not start with the checkpoint marker). Save checkpoints with Checkpoint.Save.");
        var version = r.ReadInt32();
        if (version != Version)
            throw new InvalidDataException($"'{path}' is checkpoint format {version}; this library reads format {Version}. Delete the file to retrain.");
        var length = r.ReadInt32();
        var json = r.ReadBytes(length);
        if (json.Length != length)
            throw new InvalidDataException($"'{path}' is truncated (its header is incomplete). Delete the file to retrain.");
        return JsonSerializer.Deserialize<CheckpointHeader>(json, Json)
               ?? throw new InvalidDataException($"'{path}' has an empty header. Delete the file to retrain.");
    }
}
