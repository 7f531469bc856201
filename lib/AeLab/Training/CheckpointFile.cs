using System.Security.Cryptography;
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

/// <summary>
/// Byte layout: magic, version, header JSON (length-prefixed UTF-8), tensor bytes in header order, optimizer block
/// (int64 length, -1 for none, then its bytes), and since format 2 a trailer: <see cref="TrailerMarker"/> and the
/// SHA-256 of every byte before the trailer. Format 1 (the same without the trailer) is still read. Later formats must
/// keep the trailer: it is how a file of a newer format is told from one whose format number was damaged.
/// </summary>
internal static class CheckpointFile
{
    public const int Version = 2;
    const int Unchecked = 1;
    public static readonly byte[] Magic = Encoding.ASCII.GetBytes("AELABCKPT\n");
    public static readonly byte[] TrailerMarker = Encoding.ASCII.GetBytes("AELABEND");
    public const int TrailerLength = 8 + 32;

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

    /// <summary>Writes the trailer for the bytes hashed so far.</summary>
    public static void WriteTrailer(Stream stream, byte[] sha256)
    {
        stream.Write(TrailerMarker);
        stream.Write(sha256);
    }

    /// <summary>
    /// Opens a checkpoint: checks the magic, the version and (format 2) the trailer and checksum of the whole file,
    /// then reads the header. Returns the stream positioned at the first tensor and where the payload ends.
    /// Every way the file can be cut or corrupted ends here or in <see cref="Damaged"/>, never in a raw exception.
    /// </summary>
    public static (CheckpointHeader Header, FileStream Stream, long PayloadEnd) Open(string path)
    {
        var file = OpenRead(path);
        try
        {
            long length = file.Length;
            var start = new byte[Magic.Length + 4];
            int got = file.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
            if (got == 0) throw Damaged(path, "it is empty (the save was cut short)");
            if (!start.AsSpan(0, Math.Min(got, Magic.Length)).SequenceEqual(Magic.AsSpan(0, Math.Min(got, Magic.Length))))
                throw new CheckpointException(path,
                    $"'{path}' is not an AeLab checkpoint (it does not start with the checkpoint marker). " +
                    "Save checkpoints with Checkpoint.Save; if this file was one, it is damaged: delete it to retrain.");
            if (got < start.Length) throw Damaged(path, $"it ends after {length} bytes, inside the file's first bytes (the save or copy was cut short)");
            int version = BitConverter.ToInt32(start, Magic.Length);
            long payloadEnd = version switch
            {
                Version => VerifyTrailer(file, path, length),
                Unchecked => length,
                > Version and < 100 => throw Newer(file, path, length, version),
                _ => throw Damaged(path, $"its format number reads {version} (this library writes {Version})"),
            };
            file.Position = start.Length;
            var header = ReadHeader(file, path, payloadEnd);
            return (header, file, payloadEnd);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A format number above <see cref="Version"/>: a newer AeLab's file only when the file passes the checksum every
    /// format from 2 on ends with (formats keep that trailer); otherwise the number itself was damaged, and saying
    /// "update the library" would send the learner the wrong way.
    /// </summary>
    static CheckpointException Newer(FileStream file, string path, long length, int version)
    {
        try { VerifyTrailer(file, path, length); }
        catch (CheckpointException e)
        {
            return Damaged(path, $"its format number reads {version} where this library writes {Version}, and its contents do not " +
                                 "match the checksum every format since 2 ends with, so that number was changed on disk or in a copy", e);
        }
        return new CheckpointException(path,
            $"'{path}' is checkpoint format {version}, written by a newer AeLab; this library reads formats {Unchecked} and {Version}. Update lib/AeLab, or delete the file to retrain.");
    }

    /// <summary>The message for a file that is an AeLab checkpoint but cannot be used as it is.</summary>
    public static CheckpointException Damaged(string path, string what, Exception? inner = null) => new(path,
        $"Checkpoint '{path}' is damaged: {what}. It cannot be loaded; delete it to retrain (or put back a good copy).", inner);

    static FileStream OpenRead(string path)
    {
        try { return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException(path, $"Checkpoint '{path}' cannot be opened ({e.Message}). Check its permissions, or delete it to retrain.", e);
        }
    }

    static long VerifyTrailer(FileStream file, string path, long length)
    {
        long payloadEnd = length - TrailerLength;
        var trailer = new byte[TrailerLength];
        if (payloadEnd < Magic.Length + 8)
            throw Damaged(path, $"it is only {length} bytes long, too short to hold a header and the checksum (the save or copy was cut short)");
        file.Position = payloadEnd;
        file.ReadExactly(trailer);
        if (!trailer.AsSpan(0, TrailerMarker.Length).SequenceEqual(TrailerMarker))
            throw Damaged(path, "it does not end with the checkpoint trailer (it was cut short, or bytes were added or changed at its end)");

        file.Position = 0;
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        for (long left = payloadEnd; left > 0;)
        {
            int n = file.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (n == 0) throw Damaged(path, "it became shorter while being read");
            sha.AppendData(buffer, 0, n);
            left -= n;
        }
        if (!sha.GetHashAndReset().AsSpan().SequenceEqual(trailer.AsSpan(TrailerMarker.Length)))
            throw Damaged(path, "its contents do not match the checksum saved with them (bytes were changed on disk or in a copy)");
        return payloadEnd;
    }

    static CheckpointHeader ReadHeader(FileStream file, string path, long payloadEnd)
    {
        var r = new BinaryReader(file, Encoding.UTF8, leaveOpen: true);
        long left = payloadEnd - file.Position;
        if (left < 4) throw Damaged(path, "it ends before its header");
        int length = r.ReadInt32();
        if (length <= 0 || length > left - 4)
            throw Damaged(path, $"its header length reads {length} bytes, but {Math.Max(0, left - 4)} bytes follow (the file is truncated or its header is corrupt)");
        var json = r.ReadBytes(length);
        CheckpointHeader? header;
        try { header = JsonSerializer.Deserialize<CheckpointHeader>(json, Json); }
        catch (Exception e) when (e is JsonException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            throw Damaged(path, $"its header is not valid ({e.Message})", e);
        }
        if (header is null) throw Damaged(path, "its header is empty");
        Validate(header, path);
        return header;
    }

    /// <summary>What the rest of the code relies on: named tensors with sizes that are sizes.</summary>
    static void Validate(CheckpointHeader h, string path)
    {
        if (h.Model is null || h.Tensors is null || h.History is null || h.Tensors.Any(t => t is null) || h.History.Any(x => x is null))
            throw Damaged(path, "its header lacks the model name or the tensor list");
        var seen = new HashSet<string>();
        foreach (var t in h.Tensors)
        {
            if (string.IsNullOrEmpty(t.Name) || !seen.Add(t.Name))
                throw Damaged(path, $"its header lists a tensor with {(string.IsNullOrEmpty(t.Name) ? "no name" : $"the name '{t.Name}' twice")}");
            if (t.Shape is null || t.Shape.Any(d => d < 0 || d > int.MaxValue))
                throw Damaged(path, $"its header gives tensor '{t.Name}' the shape [{string.Join(", ", t.Shape ?? [])}]");
        }
        if (h.Epoch < 0 || h.SchedulerSteps < 0)
            throw Damaged(path, $"its header gives epoch {h.Epoch} and scheduler step {h.SchedulerSteps}");
    }
}

/// <summary>Passes writes through to <see cref="Inner"/> and hashes them (SHA-256), for the checkpoint trailer.</summary>
internal sealed class HashingStream(Stream inner) : Stream
{
    readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    public Stream Inner { get; } = inner;
    public byte[] Hash() => _sha.GetHashAndReset();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Inner.Write(buffer);
        _sha.AppendData(buffer);
    }
    public override void WriteByte(byte value) => Write([value]);
    public override void Flush() => Inner.Flush();
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    protected override void Dispose(bool disposing)
    {
        if (disposing) _sha.Dispose();
        base.Dispose(disposing);
    }
}
