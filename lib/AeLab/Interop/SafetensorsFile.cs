using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Interop;

/// <summary>
/// The safetensors format, read and written here: an 8-byte little-endian header length, a JSON header
/// (<c>{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}</c>), then the
/// tensors' raw little-endian bytes, offsets counted from the end of the header. Python's <c>safetensors</c> package
/// (<c>safetensors.torch.load_file</c>) reads what <see cref="Write"/> writes: the header is padded with spaces to a
/// multiple of 8 bytes and the data are contiguous, in the order given.
/// </summary>
public static class SafetensorsFile
{
    /// <summary>Headers larger than this are refused as damage (the format's own reader stops at 100 MB).</summary>
    const long MaxHeaderBytes = 100_000_000;

    static readonly Dictionary<string, ScalarType> Types = new()
    {
        ["F64"] = ScalarType.Float64, ["F32"] = ScalarType.Float32, ["F16"] = ScalarType.Float16, ["BF16"] = ScalarType.BFloat16,
        ["I64"] = ScalarType.Int64, ["I32"] = ScalarType.Int32, ["I16"] = ScalarType.Int16, ["I8"] = ScalarType.Int8,
        ["U8"] = ScalarType.Byte, ["BOOL"] = ScalarType.Bool,
    };

    /// <summary>True when the file starts like a safetensors file (a plausible header length, then '{').</summary>
    public static bool Looks(string path)
    {
        using var f = File.OpenRead(path);
        Span<byte> head = stackalloc byte[9];
        if (f.Read(head) < 9) return false;
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(head);
        return n >= 2 && n <= (ulong)Math.Min(MaxHeaderBytes, f.Length - 8) && head[8] == (byte)'{';
    }

    /// <summary>Every tensor in the file (on the CPU), in the header's order. Damage is a <see cref="PyTorchWeightsException"/> naming the file and the tensor.</summary>
    public static List<(string Name, Tensor Value)> Read(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"Safetensors file '{full}' does not exist.", full);
        using var f = File.OpenRead(full);
        Span<byte> head = stackalloc byte[8];
        if (f.Read(head) < 8) throw Damaged(full, $"it has {f.Length} bytes, fewer than the 8 that give the header's length");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(head);
        if (n > (ulong)(f.Length - 8) || n > MaxHeaderBytes)
            throw Damaged(full, $"its first 8 bytes give a header of {n} bytes, but {(n > MaxHeaderBytes ? "headers are at most 100 MB" : $"only {f.Length - 8} bytes follow")}");
        var json = new byte[n];
        f.ReadExactly(json);
        long dataStart = 8 + (long)n, dataBytes = f.Length - dataStart;

        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw Damaged(full, $"its header is not JSON ({e.Message})", e); }
        using var _ = doc;
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Damaged(full, "its header is not a JSON object");

        var entries = new List<(string Name, ScalarType Type, long[] Shape, long Begin, long End)>();
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            if (p.Name == "__metadata__") continue;
            var e = p.Value;
            if (e.ValueKind != JsonValueKind.Object
                || !e.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String
                || !e.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array
                || !e.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
                throw Damaged(full, $"tensor '{p.Name}' in its header lacks dtype, shape or data_offsets", tensor: p.Name);
            if (!Types.TryGetValue(dt.GetString()!, out var type))
                throw Damaged(full, $"tensor '{p.Name}' has the type '{dt.GetString()}', which is not one of {string.Join(", ", Types.Keys)}", tensor: p.Name);
            long[] shape;
            long begin, end;
            try
            {
                shape = sh.EnumerateArray().Select(d => d.GetInt64()).ToArray();
                begin = off[0].GetInt64();
                end = off[1].GetInt64();
            }
            catch (Exception x) when (x is FormatException or InvalidOperationException)
            {
                throw Damaged(full, $"tensor '{p.Name}' has a shape or offsets that are not whole numbers", x, p.Name);
            }
            if (shape.Any(d => d < 0)) throw Damaged(full, $"tensor '{p.Name}' has a negative size in its shape {Shapes.Text(shape)}", tensor: p.Name);
            long bytes = shape.Aggregate(1L, (a, d) => checked(a * d)) * ElementSize(type);
            if (begin < 0 || end < begin || end > dataBytes)
                throw Damaged(full, $"tensor '{p.Name}' lies at bytes {begin}..{end} of the data, which hold {dataBytes} bytes (truncated?)", tensor: p.Name);
            if (end - begin != bytes)
                throw Damaged(full, $"tensor '{p.Name}' {Shapes.Text(shape)} of {dt.GetString()} needs {bytes} bytes but its offsets give {end - begin}", tensor: p.Name);
            entries.Add((p.Name, type, shape, begin, end));
        }

        var result = new List<(string, Tensor)>();
        try
        {
            foreach (var e in entries)
            {
                var t = empty(e.Shape, dtype: e.Type);
                result.Add((e.Name, t));
                f.Position = dataStart + e.Begin;
                t.ReadBytesFromStream(f);
            }
        }
        catch
        {
            foreach (var (_, t) in result) t.Dispose();
            throw;
        }
        return result;
    }

    /// <summary>
    /// Writes the tensors (any device; copied to the CPU) under their names, atomically (a temporary file, then a
    /// rename). <paramref name="metadata"/> goes to the header's <c>__metadata__</c> ("format": "pt" by default).
    /// </summary>
    public static void Write(string path, IEnumerable<(string Name, Tensor Value)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var full = System.IO.Path.GetFullPath(path);
        var list = tensors.ToList();
        var dupe = list.GroupBy(t => t.Name).FirstOrDefault(g => g.Count() > 1);
        if (dupe != null) throw new ArgumentException($"Two tensors are both named '{dupe.Key}': a safetensors file holds each name once.", nameof(tensors));

        using var scope = NewDisposeScope();
        var cpu = list.Select(t => (t.Name, Value: t.Value.detach().cpu().contiguous())).ToList();
        var header = new MemoryStream();
        using (var w = new Utf8JsonWriter(header))
        {
            w.WriteStartObject();
            w.WriteStartObject("__metadata__");
            foreach (var (k, v) in metadata ?? new Dictionary<string, string> { ["format"] = "pt" }) w.WriteString(k, v);
            w.WriteEndObject();
            long offset = 0;
            foreach (var (name, t) in cpu)
            {
                long bytes = t.NumberOfElements * t.ElementSize;
                w.WriteStartObject(name);
                w.WriteString("dtype", TypeName(t.dtype, name));
                w.WriteStartArray("shape");
                foreach (var d in t.shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + bytes);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += bytes;
            }
            w.WriteEndObject();
        }
        while (header.Length % 8 != 0) header.WriteByte((byte)' ');

        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        var temp = full + ".tmp";
        try
        {
            using (var f = File.Create(temp))
            {
                Span<byte> len = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)header.Length);
                f.Write(len);
                header.Position = 0;
                header.CopyTo(f);
                foreach (var (_, t) in cpu) if (t.NumberOfElements > 0) t.WriteBytesToStream(f);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { }
            throw;
        }
    }

    static string TypeName(ScalarType type, string name) =>
        Types.FirstOrDefault(kv => kv.Value == type).Key
        ?? throw new NotSupportedException($"Tensor '{name}' is {type}, which the safetensors format has no name for; convert it (e.g. to float32) first.");

    static long ElementSize(ScalarType type)
    {
        using var one = empty(new long[] { 1 }, dtype: type);
        return one.ElementSize;
    }

    static PyTorchWeightsException Damaged(string path, string why, Exception? inner = null, string? tensor = null) =>
        new(path, $"Safetensors file '{path}' cannot be read: {why}. Write it again (in Python: safetensors.torch.save_file(model.state_dict(), path)), or load the .pth the model was saved to.", inner)
        { Tensor = tensor };
}

/// <summary>Shapes as the messages write them.</summary>
static class Shapes
{
    public static string Text(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";
}
