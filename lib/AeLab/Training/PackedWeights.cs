using System.IO.Compression;

namespace AeLab.Training;

/// <summary>
/// How shipped weights are stored in the repository: the checkpoint file with its bytes shuffled (every even byte,
/// then every odd one) and deflated. Float16 weights compress poorly as they are; shuffled, the high bytes (sign,
/// exponent, top of the mantissa) sit together and repeat, which saves about a seventh of the folder. A lesson loads
/// the unpacked copy, written once per file version under notebooks/checkpoints/.shipped/ (named by the packed file's
/// SHA-256, so a changed file gets a fresh copy).
/// </summary>
public static class PackedWeights
{
    static readonly byte[] Magic = "AELABPK1"u8.ToArray();

    /// <summary>True when <paramref name="path"/> holds packed weights.</summary>
    public static bool IsPacked(string path)
    {
        using var f = File.OpenRead(path);
        var head = new byte[Magic.Length];
        return f.Read(head, 0, head.Length) == head.Length && head.AsSpan().SequenceEqual(Magic);
    }

    /// <summary>Packs the checkpoint at <paramref name="path"/> in place (atomically).</summary>
    public static void Pack(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var temp = AtomicFile.TempFor(Path.GetFullPath(path));
        try
        {
            using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                file.Write(Magic);
                file.Write(BitConverter.GetBytes((long)bytes.Length));
                using (var z = new DeflateStream(file, CompressionLevel.SmallestSize, leaveOpen: true))
                    z.Write(Shuffle(bytes));
                file.Flush(flushToDisk: true);
            }
            AtomicFile.Replace(temp, Path.GetFullPath(path));
        }
        catch
        {
            AtomicFile.DeleteQuietly(temp);
            throw;
        }
    }

    /// <summary>The checkpoint bytes of a packed file; a file that is not packed, or is cut short, is refused by name.</summary>
    public static byte[] Unpack(string path)
    {
        using var file = File.OpenRead(path);
        var head = new byte[Magic.Length + sizeof(long)];
        if (file.Read(head, 0, head.Length) != head.Length || !head.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new CheckpointException(path, $"'{path}' is not a packed weights file (it does not start with {System.Text.Encoding.ASCII.GetString(Magic)}).");
        var length = BitConverter.ToInt64(head, Magic.Length);
        if (length < 0 || length > 1L << 34)
            throw new CheckpointException(path, $"'{path}' claims {length} unpacked bytes: the file is damaged. Restore it with git.");
        var shuffled = new byte[length];
        try
        {
            using var z = new DeflateStream(file, CompressionMode.Decompress);
            z.ReadExactly(shuffled);
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException)
        {
            throw new CheckpointException(path, $"'{path}' is damaged: its packed weights end before the {length} bytes its header promises. Restore it with git.", e);
        }
        return Unshuffle(shuffled);
    }

    /// <summary>
    /// The checkpoint to load for a shipped file: the file itself when it is not packed, else its unpacked copy in
    /// <paramref name="cacheFolder"/> (written atomically the first time, named by <paramref name="sha256"/>).
    /// </summary>
    public static string Loadable(string path, string sha256, string cacheFolder)
    {
        if (!IsPacked(path)) return path;
        var target = Path.GetFullPath(Path.Combine(cacheFolder, sha256 + ".ckpt"));
        if (File.Exists(target)) return target;
        Directory.CreateDirectory(cacheFolder);
        var bytes = Unpack(path);
        AtomicFile.RemoveStale(target);
        var temp = AtomicFile.TempFor(target);
        try
        {
            using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                file.Write(bytes);
                file.Flush(flushToDisk: true);
            }
            AtomicFile.Replace(temp, target);
        }
        catch
        {
            AtomicFile.DeleteQuietly(temp);
            throw;
        }
        return target;
    }

    static byte[] Shuffle(byte[] bytes)
    {
        var result = new byte[bytes.Length];
        int half = (bytes.Length + 1) / 2;
        for (int i = 0; i < bytes.Length; i++) result[(i & 1) == 0 ? i / 2 : half + i / 2] = bytes[i];
        return result;
    }

    static byte[] Unshuffle(byte[] shuffled)
    {
        var result = new byte[shuffled.Length];
        int half = (shuffled.Length + 1) / 2;
        for (int i = 0; i < shuffled.Length; i++) result[i] = shuffled[(i & 1) == 0 ? i / 2 : half + i / 2];
        return result;
    }
}
