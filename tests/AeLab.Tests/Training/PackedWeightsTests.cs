using AeLab.Training;

namespace AeLab.Tests.Training;

public class PackedWeightsTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("aelab-packed-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    static byte[] Sample(int n)
    {
        // Float16-like data: high bytes that repeat, low bytes that do not; an odd length to test the last byte.
        var rng = new Random(1);
        var bytes = new byte[n];
        for (int i = 0; i < n; i++) bytes[i] = (byte)(i % 2 == 1 ? 0x3C + rng.Next(3) : rng.Next(256));
        return bytes;
    }

    [Fact]
    public void Packing_round_trips_every_byte_and_saves_space()
    {
        var path = Path.Combine(dir, "w.ckpt");
        var original = Sample(10_001);
        File.WriteAllBytes(path, original);
        Assert.False(PackedWeights.IsPacked(path));
        PackedWeights.Pack(path);
        Assert.True(PackedWeights.IsPacked(path));
        Assert.True(new FileInfo(path).Length < 0.7 * original.Length, $"packed {new FileInfo(path).Length} of {original.Length} bytes");
        Assert.Equal(original, PackedWeights.Unpack(path));
    }

    [Fact]
    public void The_loadable_copy_is_written_once_and_an_unpacked_file_is_used_as_it_is()
    {
        var path = Path.Combine(dir, "w.ckpt");
        File.WriteAllBytes(path, Sample(999));
        Assert.Equal(path, PackedWeights.Loadable(path, "abc", Path.Combine(dir, "cache")));
        PackedWeights.Pack(path);
        var copy = PackedWeights.Loadable(path, "abc", Path.Combine(dir, "cache"));
        Assert.Equal(Path.Combine(dir, "cache", "abc.ckpt"), copy);
        Assert.Equal(Sample(999), File.ReadAllBytes(copy));
        var written = File.GetLastWriteTimeUtc(copy);
        Assert.Equal(copy, PackedWeights.Loadable(path, "abc", Path.Combine(dir, "cache")));
        Assert.Equal(written, File.GetLastWriteTimeUtc(copy));
        Assert.Empty(Directory.GetFiles(Path.Combine(dir, "cache"), "*.tmp"));
    }

    [Fact]
    public void A_cut_packed_file_is_refused_by_name()
    {
        var path = Path.Combine(dir, "w.ckpt");
        File.WriteAllBytes(path, Sample(5000));
        PackedWeights.Pack(path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<CheckpointException>(() => PackedWeights.Unpack(path));
        Assert.Contains("w.ckpt", e.Message);
        Assert.Contains("damaged", e.Message);
        File.WriteAllBytes(path, Sample(100));
        Assert.Contains("not a packed weights file", Assert.Throws<CheckpointException>(() => PackedWeights.Unpack(path)).Message);
    }
}
