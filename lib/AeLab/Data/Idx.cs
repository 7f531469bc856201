using System.IO.Compression;
using static TorchSharp.torch;

namespace AeLab.Data;

/// <summary>Reads IDX files (the MNIST format), gzip-compressed or raw, into uint8 tensors.</summary>
public static class Idx
{
    /// <summary>Reads a file whose magic is 0x0000 08 0D (unsigned bytes, D dimensions) into a uint8 tensor of that shape.</summary>
    public static Tensor Read(string path, int expectedDims)
    {
        byte[] bytes = ReadAllBytes(path);
        if (bytes.Length < 4 || bytes[0] != 0 || bytes[1] != 0 || bytes[2] != 0x08 || bytes[3] != expectedDims)
            throw new DataFormatException(path,
                $"{path}: not an IDX file of unsigned bytes with {expectedDims} dimension(s) (magic {Hex(bytes)}, expected 00 00 08 {expectedDims:X2}). " +
                "Use the original Fashion-MNIST files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, ...).");
        int header = 4 + 4 * expectedDims;
        if (bytes.Length < header) throw Truncated(path, header, bytes.Length);
        var shape = new long[expectedDims];
        long count = 1;
        for (int i = 0; i < expectedDims; i++)
        {
            // Sizes are big-endian uint32; anything of 2^31 or more (or 0) is damage, not data.
            uint size = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(4 + 4 * i));
            if (size == 0 || size > int.MaxValue)
                throw new DataFormatException(path,
                    $"{path}: the IDX header gives dimension {i + 1} of {expectedDims} as {size}{(i == 0 ? $" {(expectedDims == 1 ? "labels" : "images")}" : "")}, " +
                    "which is not a usable size (the header is damaged, or the file holds no data). Delete it and download or copy it again.");
            shape[i] = size;
            // Stop multiplying once past the file's length: the product of damaged sizes can overflow.
            count = Math.Min(count * size, (long)int.MaxValue + 1);
        }
        if (bytes.Length - header != count) throw Truncated(path, header + count, bytes.Length);
        // One bulk copy of the payload; conversion to float happens later in a single vectorised op.
        var t = empty(shape, ScalarType.Byte);
        t.bytes = bytes.AsSpan(header, checked((int)count));
        return t;
    }

    static byte[] ReadAllBytes(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found.", path);
        using var file = File.OpenRead(path);
        bool gz = file.Length >= 2 && file.ReadByte() == 0x1F && file.ReadByte() == 0x8B;
        file.Position = 0;
        if (!gz) return File.ReadAllBytes(path);
        try
        {
            using var z = new GZipStream(file, CompressionMode.Decompress);
            using var ms = new MemoryStream();
            z.CopyTo(ms);
            return ms.ToArray();
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
        {
            throw new DataFormatException(path, $"{path}: the gzip data is damaged or truncated ({e.Message}). Delete the file and download or copy it again.", e);
        }
    }

    static Exception Truncated(string path, long want, long got) => new DataFormatException(path,
        $"{path}: the IDX header announces {(want > int.MaxValue ? "over 2 GiB" : $"{want} bytes")} but the file holds {got}; it is truncated or damaged. Delete it and download or copy it again.");

    static string Hex(byte[] b) => string.Join(" ", b.Take(4).Select(x => x.ToString("X2")));
}
