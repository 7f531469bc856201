using AeLab.Data;
using AeLab.Runtime;
using Xunit.Abstractions;

namespace AeLab.Tests.Data;

/// <summary>An explicit folder (argument or environment variable) that does not hold the split is an error, never
/// a reason to load another copy; damaged IDX headers are named.</summary>
public class FashionMnistErrorTests(ITestOutputHelper output)
{
    static FileNotFoundException Refused(Func<ImageDataset> load, params string[] expected)
    {
        var e = Assert.Throws<FileNotFoundException>(() => load().Dispose());
        foreach (var s in expected) Assert.Contains(s, e.Message);
        Assert.DoesNotContain(FashionMnist.SystemFolder + "/train", e.Message); // nothing was loaded from elsewhere
        return e;
    }

    [Fact]
    public void Missing_path_is_an_error_not_the_system_copy()
    {
        var e = Refused(() => FashionMnist.Load(path: "/no/such/folder"), "/no/such/folder", "does not exist", "the path argument", "Pass the folder");
        output.WriteLine(e.Message);
    }

    [Fact]
    public void Empty_path_folder_is_an_error_that_says_it_is_empty()
    {
        using var dir = new TempDir();
        output.WriteLine(Refused(() => FashionMnist.Load(path: dir.Path), dir.Path, "it is empty", "train-images-idx3-ubyte.gz").Message);
    }

    [Fact]
    public void Folder_without_the_test_split_lists_what_it_holds()
    {
        Lab.Init();
        using var dir = new TempDir();
        FashionMnistTests.WriteSplit(dir, 2, 2, gzip: true); // train only
        using (var train = FashionMnist.Load(path: dir.Path)) Assert.Equal(2, train.Count);
        var e = Refused(() => FashionMnist.Load(train: false, path: dir.Path), dir.Path, "no test split", "train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz");
        output.WriteLine(e.Message);
    }

    [Fact]
    public void Path_that_is_a_file_is_named()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["notes.txt"], "x");
        Refused(() => FashionMnist.Load(path: dir["notes.txt"]), dir["notes.txt"], "is a file");
    }

    [Fact]
    public void Environment_variable_pointing_nowhere_is_an_error_naming_it()
    {
        var old = Environment.GetEnvironmentVariable(FashionMnist.EnvironmentVariable);
        Environment.SetEnvironmentVariable(FashionMnist.EnvironmentVariable, "/nonexistent");
        try
        {
            var e = Refused(() => FashionMnist.Load(), "/nonexistent", FashionMnist.EnvironmentVariable, "does not exist", "unset it");
            output.WriteLine(e.Message);
        }
        finally { Environment.SetEnvironmentVariable(FashionMnist.EnvironmentVariable, old); }
    }

    [Theory]
    [InlineData(0u, "as 0 images")]
    [InlineData(0x8000_0000u, "as 2147483648 images")]
    [InlineData(0xFFFF_FFFFu, "as 4294967295 images")]
    public void Idx_count_of_zero_or_with_the_sign_bit_is_named(uint count, string expected)
    {
        Lab.Init();
        using var dir = new TempDir();
        FashionMnistTests.WriteSplit(dir, 2, 2, gzip: false);
        string f = dir["train-images-idx3-ubyte"];
        var bytes = File.ReadAllBytes(f);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), count);
        File.WriteAllBytes(f, count == 0 ? bytes[..16] : bytes);
        var e = Assert.Throws<DataFormatException>(() => FashionMnist.Load(path: dir.Path));
        output.WriteLine(e.Message);
        Assert.Contains(f, e.Message);
        Assert.Contains(expected, e.Message);
        Assert.Contains("download or copy it again", e.Message);
    }

    [Fact]
    public void Idx_sizes_whose_product_overflows_are_reported_as_truncation()
    {
        Lab.Init();
        using var dir = new TempDir();
        FashionMnistTests.WriteSplit(dir, 2, 2, gzip: false);
        string f = dir["train-images-idx3-ubyte"];
        var bytes = File.ReadAllBytes(f);
        for (int i = 0; i < 3; i++) System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4 + 4 * i), 0x7FFF_FFFF);
        File.WriteAllBytes(f, bytes);
        var e = Assert.Throws<DataFormatException>(() => FashionMnist.Load(path: dir.Path));
        output.WriteLine(e.Message);
        Assert.Contains("announces over 2 GiB", e.Message);
    }

    [Fact]
    public void Any_damaged_idx_header_byte_gives_a_named_error_or_the_same_data()
    {
        Lab.Init();
        using var dir = new TempDir();
        FashionMnistTests.WriteSplit(dir, 2, 2, gzip: false);
        string f = dir["train-images-idx3-ubyte"];
        var good = File.ReadAllBytes(f);
        for (int at = 0; at < 16; at++)
            foreach (byte flip in new byte[] { 0x01, 0x80, 0xFF })
            {
                var bytes = (byte[])good.Clone();
                bytes[at] ^= flip;
                File.WriteAllBytes(f, bytes);
                var e = Assert.Throws<DataFormatException>(() => FashionMnist.Load(path: dir.Path));
                Assert.Contains(f, e.Message);
            }
    }

    [Fact]
    public void Labels_outside_the_ten_classes_are_named()
    {
        Lab.Init();
        using var dir = new TempDir();
        FashionMnistTests.WriteSplit(dir, 2, 2, gzip: false);
        string f = dir["train-labels-idx1-ubyte"];
        var bytes = File.ReadAllBytes(f);
        bytes[^1] = 200;
        File.WriteAllBytes(f, bytes);
        var e = Assert.Throws<DataFormatException>(() => FashionMnist.Load(path: dir.Path));
        Assert.Contains("label 200", e.Message);
        Assert.Contains(f, e.Message);
    }
}
