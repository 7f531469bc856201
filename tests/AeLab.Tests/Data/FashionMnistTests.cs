using System.Diagnostics;
using System.Security.Cryptography;
using AeLab.Data;
using AeLab.Runtime;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace AeLab.Tests.Data;

public class FashionMnistTests(ITestOutputHelper output)
{
    internal static void WriteSplit(TempDir dir, int n, int labels, bool gzip, string prefix = "train")
    {
        var pixels = Enumerable.Range(0, n * 28 * 28).Select(i => (byte)(i % 256)).ToArray();
        var images = TestFiles.Idx(3, [n, 28, 28], pixels);
        var lab = TestFiles.Idx(1, [labels], Enumerable.Range(0, labels).Select(i => (byte)(i % 10)).ToArray());
        string ext = gzip ? ".gz" : "";
        File.WriteAllBytes(dir[$"{prefix}-images-idx3-ubyte{ext}"], gzip ? TestFiles.Gzip(images) : images);
        File.WriteAllBytes(dir[$"{prefix}-labels-idx1-ubyte{ext}"], gzip ? TestFiles.Gzip(lab) : lab);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Reads_gzip_and_raw_idx_exactly(bool gzip)
    {
        Lab.Init();
        using var dir = new TempDir();
        WriteSplit(dir, 3, 3, gzip);
        using var ds = FashionMnist.Load(path: dir.Path);
        Assert.Equal(new long[] { 3, 1, 28, 28 }, ds.Images.shape);
        Assert.Equal(ScalarType.Float32, ds.Images.dtype);
        Assert.Equal(ScalarType.Int64, ds.Labels!.dtype);
        Assert.Equal(new long[] { 0, 1, 2 }, ds.Labels.data<long>().ToArray());
        // pixel k of the file is k % 256, scaled to [0, 1]
        Assert.Equal(5 / 255f, ds.Images[0, 0, 0, 5].item<float>(), 6);
        Assert.Equal(((28 * 28 + 1) % 256) / 255f, ds.Images[1, 0, 0, 1].item<float>(), 6);
        Assert.Equal("Ankle boot", ds.ClassNames[9]);
    }

    [Fact]
    public void Environment_variable_is_searched_after_the_path()
    {
        Lab.Init();
        using var dir = new TempDir();
        WriteSplit(dir, 2, 2, gzip: true, prefix: "t10k");
        Environment.SetEnvironmentVariable(FashionMnist.EnvironmentVariable, dir.Path);
        try
        {
            using var ds = FashionMnist.Load(train: false);
            Assert.Equal(2, ds.Count);
            Assert.Contains(dir.Path, ds.Source);
        }
        finally { Environment.SetEnvironmentVariable(FashionMnist.EnvironmentVariable, null); }
    }

    [Fact]
    public void Debian_package_loads_60k_fast()
    {
        if (!File.Exists(Path.Combine(FashionMnist.SystemFolder, "train-images-idx3-ubyte.gz"))) return;
        Lab.Init();
        var sw = Stopwatch.StartNew();
        using var ds = FashionMnist.Load(path: FashionMnist.SystemFolder);
        double total = sw.Elapsed.TotalMilliseconds;
        Assert.Equal(new long[] { 60000, 1, 28, 28 }, ds.Images.shape);
        Assert.Equal(60000, ds.Labels!.shape[0]);
        Assert.InRange(ds.Images.max().item<float>(), 0.99f, 1f);
        Assert.Equal(0f, ds.Images.min().item<float>());
        Assert.Equal(6000, ds.Labels.eq(9).sum().item<long>()); // balanced classes

        // Decode alone: bytes already in memory → tensor → float32 / 255.
        var raw = new byte[60000 * 784];
        sw.Restart();
        using var t = empty(60000, 28, 28, dtype: ScalarType.Byte);
        t.bytes = raw;
        using var f = t.unsqueeze(1).to(ScalarType.Float32).div_(255f);
        double decode = sw.Elapsed.TotalMilliseconds;
        output.WriteLine($"Fashion-MNIST train: load (gunzip + decode) {total:F0} ms; decode of 60k after reading {decode:F1} ms");

    }

    [Fact]
    public void Missing_everywhere_lists_exactly_the_options()
    {
        Lab.Init();
        using var dir = new TempDir();
        string system = FashionMnist.SystemFolder;
        FashionMnist.SystemFolder = dir["no-package"];
        string? env = Environment.GetEnvironmentVariable(FashionMnist.EnvironmentVariable);
        Environment.SetEnvironmentVariable(FashionMnist.EnvironmentVariable, null);
        try
        {
            if (File.Exists(Path.Combine(FashionMnist.LocalFolder, "t10k-images-idx3-ubyte.gz"))) return; // a real copy in data/
            var e = Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(train: false));
            output.WriteLine(e.Message);
            Assert.Contains("path:", e.Message);
            Assert.Contains(dir["no-package"], e.Message);
            Assert.Contains(FashionMnist.EnvironmentVariable, e.Message);
            Assert.Contains("data/fashion-mnist", e.Message.Replace('\\', '/'));
            Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
            Assert.Contains("download: true", e.Message);
        }
        finally
        {
            FashionMnist.SystemFolder = system;
            Environment.SetEnvironmentVariable(FashionMnist.EnvironmentVariable, env);
        }
    }

    [Fact]
    public void Truncated_gzip_names_the_file_and_the_fix()
    {
        Lab.Init();
        using var dir = new TempDir();
        WriteSplit(dir, 4, 4, gzip: true);
        string f = dir["train-images-idx3-ubyte.gz"];
        var bytes = File.ReadAllBytes(f);
        File.WriteAllBytes(f, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<DataFormatException>(() => FashionMnist.Load(path: dir.Path));
        Assert.Contains(f, e.Message);
        Assert.Contains("again", e.Message);
    }

    [Fact]
    public void Wrong_magic_is_rejected()
    {
        Lab.Init();
        using var dir = new TempDir();
        WriteSplit(dir, 2, 2, gzip: false);
        string f = dir["train-images-idx3-ubyte"];
        var bytes = File.ReadAllBytes(f);
        bytes[3] = 1; // claims one dimension
        File.WriteAllBytes(f, bytes);
        var e = Assert.Throws<DataFormatException>(() => FashionMnist.Load(path: dir.Path));
        Assert.Contains(f, e.Message);
        Assert.Contains("magic 00 00 08 01", e.Message);
    }

    [Fact]
    public void Image_label_count_mismatch_is_rejected()
    {
        Lab.Init();
        using var dir = new TempDir();
        WriteSplit(dir, 3, 2, gzip: true);
        var e = Assert.Throws<DataFormatException>(() => FashionMnist.Load(path: dir.Path));
        Assert.Contains("3 images", e.Message);
        Assert.Contains("2 labels", e.Message);
        Assert.Contains("same split", e.Message);
    }

    [Fact]
    public void Download_verifies_checksums_against_a_loopback_server()
    {
        Lab.Init();
        using var src = new TempDir();
        WriteSplit(src, 2, 2, gzip: true);
        var files = Directory.GetFiles(src.Path).ToDictionary(f => "/mirror/" + Path.GetFileName(f), File.ReadAllBytes);
        using var server = new LoopbackServer(files);
        string md5(string name) => Convert.ToHexString(MD5.HashData(files["/mirror/" + name])).ToLowerInvariant();

        // The official checksums do not match these files: nothing may be saved.
        using (var bad = new TempDir())
        {
            var e = Assert.Throws<InvalidDataException>(() => FashionMnist.Download(bad.Path, baseUrl: server.BaseUrl + "/mirror/"));
            Assert.Contains("checksum mismatch", e.Message);
            Assert.Empty(Directory.GetFiles(bad.Path));
        }
        using var good = new TempDir();
        var sums = new Dictionary<string, string>
        {
            ["train-images-idx3-ubyte.gz"] = md5("train-images-idx3-ubyte.gz"),
            ["train-labels-idx1-ubyte.gz"] = md5("train-labels-idx1-ubyte.gz"),
        };
        FashionMnist.Download(good.Path, baseUrl: server.BaseUrl + "/mirror/", md5: sums);
        int served = server.Requests.Count;
        FashionMnist.Download(good.Path, baseUrl: server.BaseUrl + "/mirror/", md5: sums); // cached: no request
        Assert.Equal(served, server.Requests.Count);
        using var ds = FashionMnist.Load(path: good.Path);
        Assert.Equal(2, ds.Count);
    }

    [Fact]
    public void Http_error_names_the_url_and_the_fix()
    {
        using var server = new LoopbackServer([]);
        using var dir = new TempDir();
        var e = Assert.Throws<IOException>(() => Downloads.Fetch(new Uri(server.BaseUrl + "/nope.gz"), dir["nope.gz"]));
        Assert.Contains("/nope.gz", e.Message);
        Assert.Contains("404", e.Message);
        Assert.Contains(dir["nope.gz"], e.Message);
    }
}
